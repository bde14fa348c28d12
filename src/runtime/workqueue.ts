import type { Clock } from "./clock.ts";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.ts";

export interface WorkQueueOptions {
  clock: Clock;
  /** Defaults to client-go's controller limiter (5 ms..1000 s per key, 10 qps burst 100). */
  rateLimiter?: RateLimiter;
  /** Told the number of waiting keys whenever it changes (a queue-depth gauge plugs in here). */
  onDepthChange?: (depth: number) => void;
}

interface DelayedKey {
  at: number;
  cancel: () => void;
}

/**
 * A queue of keys with client-go's semantics:
 * - a key waits at most once (dedupe: the `dirty` set);
 * - a key being processed is never handed out again until `done`; if it was added meanwhile it
 *   is queued again on `done` (the `processing` set), so the latest state is always reconciled;
 * - `addAfter` delays a key (the earliest of several delays wins), `addRateLimited` delays it by
 *   the rate limiter's verdict.
 *
 * One deliberate difference: after `shutDown`, `get` resolves `undefined` even when keys still
 * wait, because stopping means taking no new work; a level-triggered successor redoes it anyway.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly rateLimiter: RateLimiter;
  private readonly onDepthChange: ((depth: number) => void) | undefined;
  private readonly waiting: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, DelayedKey>();
  private readonly getters: ((key: string | undefined) => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter(options.clock);
    this.onDepthChange = options.onDepthChange;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /** Resolves with the next key, waiting if none is ready; `undefined` once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    if (this.waiting.length > 0) return Promise.resolve(this.take());
    return new Promise((resolve) => {
      this.getters.push(resolve);
    });
  }

  /** Marks the key as processed; a key added while it was processed goes back in the queue. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.enqueue(key);
    } else if (this.processing.size === 0) {
      this.releaseDrainWaiters();
    }
  }

  /** Adds the key after `ms`; if the key is already waiting for a later time, the earlier wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    // A pending timer due no later wins, unless its time passed without it firing: the clock
    // stepped forward (NTP) and that timer, counting real time, still waits for its whole delay.
    if (existing && existing.at <= at && existing.at > this.clock.now()) return;
    existing?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Adds the key after the rate limiter's delay, which grows with each failure of the key. */
  addRateLimited(key: string): void {
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Forgets the key's failures (after a success), so its next failure starts the backoff over. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Keys ready to be handed out (not those being processed or delayed). */
  len(): number {
    return this.waiting.length;
  }

  /** Keys handed out and not yet `done`. */
  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops taking keys: pending `get`s resolve `undefined`, delayed keys are dropped. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
    if (this.processing.size === 0) this.releaseDrainWaiters();
  }

  /** Shuts down, then resolves once every key handed out has been marked `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.drainWaiters.push(resolve);
    });
  }

  private enqueue(key: string): void {
    this.waiting.push(key);
    const getter = this.getters.shift();
    if (getter) getter(this.take());
    else this.onDepthChange?.(this.waiting.length);
  }

  private take(): string | undefined {
    const key = this.waiting.shift();
    if (key === undefined) return undefined;
    this.processing.add(key);
    this.dirty.delete(key);
    this.onDepthChange?.(this.waiting.length);
    return key;
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
