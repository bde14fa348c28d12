import type { Logger } from "./logger.ts";
import type { Clock } from "./clock.ts";
import { isKubeError } from "./kube/errors.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import { WorkQueue } from "./workqueue.ts";

export interface ReconcileResult {
  /** Reconcile the key again after this long even if nothing changes (a timer, a settle time). */
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  /** Aborted when the controller stops without draining: give up early and leave state as is. */
  signal: AbortSignal;
  /** A child of the controller's logger carrying the key. */
  log: Logger;
}

// `void` lets a reconciler that never asks for a timed requeue simply return nothing.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type ReconcileFunction = (key: string, context: ReconcileContext) => Promise<ReconcileResult | void>;

export type ReconcileOutcome = "success" | "requeue" | "error" | "terminal";

/** Hooks for metrics, so this file needs no metrics library. */
export interface ReconcileObserver {
  onReconcile(controller: string, durationMs: number, outcome: ReconcileOutcome): void;
  onQueueDepth(controller: string, depth: number): void;
}

/** Thrown by a reconciler when retrying cannot help (bad input the user must fix). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TerminalError";
  }
}

/** Terminal failures are logged and dropped instead of retried in a hot loop. */
export function isTerminalError(err: unknown): boolean {
  return err instanceof TerminalError || (isKubeError(err) && err.terminal);
}

export interface ControllerOptions {
  name: string;
  reconcile: ReconcileFunction;
  clock: Clock;
  logger: Logger;
  /** Workers reconciling different keys at once; one key is never reconciled twice at once. */
  concurrency?: number;
  rateLimiter?: RateLimiter;
  observer?: ReconcileObserver;
}

/**
 * controller-runtime's loop: workers take keys from the queue and reconcile them.
 * Level-triggered: success forgets the key's failures (and re-adds it after `requeueAfterMs`
 * when asked), a failure re-adds it with per-key backoff, a terminal failure is dropped.
 */
export class Controller {
  readonly name: string;
  /** Event handlers add keys here (see `enqueueOnChange` in informer.ts). */
  readonly queue: WorkQueue;
  private readonly reconcile: ReconcileFunction;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly concurrency: number;
  private readonly observer: ReconcileObserver | undefined;
  private readonly abort = new AbortController();
  private workers: Promise<void>[] | undefined;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.reconcile = options.reconcile;
    this.clock = options.clock;
    this.logger = options.logger.child({ controller: options.name });
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.observer = options.observer;
    this.queue = new WorkQueue({
      clock: options.clock,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      onDepthChange: (depth) => {
        this.observe((observer) => {
          observer.onQueueDepth(this.name, depth);
        });
      },
    });
  }

  start(): void {
    if (this.workers) throw new Error(`controller ${this.name} already started`);
    this.logger.info({ concurrency: this.concurrency }, "starting workers");
    this.workers = Array.from({ length: this.concurrency }, () => this.runWorker());
  }

  /**
   * Stops taking keys and resolves when in-flight reconciles have returned. With `drain: false`
   * their signal is aborted so they return sooner; with `drain: true` (default) they run to the end.
   */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    this.queue.shutDown();
    if (options.drain === false) this.abort.abort();
    await Promise.all(this.workers ?? []);
    this.logger.info("workers stopped");
  }

  private async runWorker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const log = this.logger.child({ key });
    const started = this.clock.now();
    let outcome: ReconcileOutcome = "success";
    try {
      const result = await this.reconcile(key, { signal: this.abort.signal, log });
      this.queue.forget(key);
      const requeueAfterMs = result?.requeueAfterMs;
      if (requeueAfterMs !== undefined && requeueAfterMs > 0) {
        outcome = "requeue";
        this.queue.addAfter(key, requeueAfterMs);
      }
    } catch (err) {
      if (isTerminalError(err)) {
        outcome = "terminal";
        log.error({ err }, "reconcile failed and retrying cannot help; dropping the key until it changes");
        this.queue.forget(key);
      } else {
        outcome = "error";
        log.warn({ err, requeues: this.queue.numRequeues(key) }, "reconcile failed; retrying with backoff");
        this.queue.addRateLimited(key);
      }
    } finally {
      this.queue.done(key);
    }
    const durationMs = this.clock.now() - started;
    this.observe((observer) => {
      observer.onReconcile(this.name, durationMs, outcome);
    });
  }

  /** A broken metrics hook must not stop reconciling. */
  private observe(call: (observer: ReconcileObserver) => void): void {
    if (!this.observer) return;
    try {
      call(this.observer);
    } catch (err) {
      this.logger.error({ err }, "reconcile observer threw");
    }
  }
}
