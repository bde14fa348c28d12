import type { Clock } from "./clock.ts";

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Adds up to `jitter` times the delay at random, so many clients do not retry in step. */
  jitter: number;
  /** A failure this long after the previous one starts the backoff over. */
  resetAfterMs: number;
}

/** client-go's reflector backoff: 800 ms doubling to 30 s, full jitter, reset after 2 min of quiet. */
export const WATCH_RESTART_BACKOFF: BackoffPolicy = {
  initialMs: 800,
  maxMs: 30_000,
  factor: 2,
  jitter: 1,
  resetAfterMs: 120_000,
};

/** The delay before retry number `attempt` (0-based); `random` is in [0, 1). Never above maxMs. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.initialMs * policy.factor ** attempt, policy.maxMs);
  return Math.min(Math.round(base * (1 + policy.jitter * random)), policy.maxMs);
}

/** Remembers consecutive failures of one loop and answers how long to wait before the next try. */
export class Backoff {
  private readonly clock: Clock;
  private readonly policy: BackoffPolicy;
  private readonly random: () => number;
  private attempt = 0;
  private lastFailureAt: number | undefined;

  constructor(clock: Clock, policy: BackoffPolicy, random: () => number = Math.random) {
    this.clock = clock;
    this.policy = policy;
    this.random = random;
  }

  /** Records a failure and returns the delay before the next try. */
  next(): number {
    const now = this.clock.now();
    if (this.lastFailureAt !== undefined && now - this.lastFailureAt >= this.policy.resetAfterMs) this.attempt = 0;
    this.lastFailureAt = now;
    return backoffDelay(this.attempt++, this.policy, this.random());
  }

  reset(): void {
    this.attempt = 0;
    this.lastFailureAt = undefined;
  }
}
