import type { Clock } from "./clock.ts";

/**
 * Decides how long a key waits before it is retried, as client-go's workqueue rate limiters do.
 * `when` records one more failure of the key and returns the delay in milliseconds.
 */
export interface RateLimiter {
  when(key: string): number;
  /** Clears the key's failure history (after a success). */
  forget(key: string): void;
  /** How many times the key failed since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Per-key exponential backoff: base * 2^failures, capped at max. */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(baseMs: number, maxMs: number) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  when(key: string): number {
    const failures = this.failures.get(key) ?? 0;
    this.failures.set(key, failures + 1);
    // 2 ** failures becomes Infinity long before it overflows anything, and min() caps it.
    return Math.min(this.baseMs * 2 ** failures, this.maxMs);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * An overall token bucket shared by every key (Go's rate.Limiter reservation semantics): tokens
 * refill at `qps`, up to `burst`; a request that finds no token reserves one from the future and
 * waits until then, so a storm of failures is spread out instead of retried at once.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly clock: Clock;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number;

  constructor(clock: Clock, qps: number, burst: number) {
    this.clock = clock;
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: string): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.qps);
  }

  forget(_key: string): void {
    // The bucket is global: nothing per key to forget.
  }

  numRequeues(_key: string): number {
    return 0;
  }
}

/** The longest delay of several limiters; every limiter records the failure. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: readonly RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.numRequeues(key)));
  }
}

export const DEFAULT_ITEM_BASE_MS = 5;
export const DEFAULT_ITEM_MAX_MS = 1000 * 1000;
export const DEFAULT_QPS = 10;
export const DEFAULT_BURST = 100;

/** client-go's DefaultControllerRateLimiter: 5 ms..1000 s per key, and 10 qps burst 100 overall. */
export function defaultControllerRateLimiter(clock: Clock): RateLimiter {
  return new MaxOfRateLimiter(
    new ItemExponentialRateLimiter(DEFAULT_ITEM_BASE_MS, DEFAULT_ITEM_MAX_MS),
    new TokenBucketRateLimiter(clock, DEFAULT_QPS, DEFAULT_BURST),
  );
}
