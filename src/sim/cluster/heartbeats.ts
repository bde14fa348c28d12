/**
 * The kubelets' heartbeats on one timer instead of one timer per node. Every node renews its
 * Lease once per `heartbeatMs` (the kubelet's 10 s) in its own slot of the interval, so a large
 * cluster renews evenly rather than all at once; a node posts its full status only every
 * STATUS_REPORT_BEATS beats (nodeStatusReportFrequency, 5 min at the real cadence) and on change.
 */
import type { Clock } from "../../runtime/clock.ts";

/** One slot per this much of the interval: 200 ms at the real 10 s heartbeat. */
const MIN_TICK_MS = 50;
const SLOTS = 50;
/** Beats in flight at once; the rest of a slot waits its turn. */
const BEAT_CONCURRENCY = 32;

export interface Beating {
  readonly spec: { readonly index: number };
  beat(): Promise<void>;
}

export class Heartbeats {
  private readonly clock: Clock;
  private readonly tickMs: number;
  private readonly slots: number;
  private readonly bySlot: Beating[][];
  private readonly inFlight = new Set<Beating>();
  private tick = 0;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;

  constructor(clock: Clock, heartbeatMs: number, nodes: Iterable<Beating>) {
    this.clock = clock;
    this.slots = Math.max(1, Math.min(SLOTS, Math.floor(heartbeatMs / MIN_TICK_MS)));
    this.tickMs = heartbeatMs / this.slots;
    this.bySlot = Array.from({ length: this.slots }, () => []);
    for (const node of nodes) this.bySlot[(node.spec.index * 37) % this.slots]?.push(node);
  }

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.clock.setTimer(this.tickMs, () => {
      this.tick = (this.tick + 1) % this.slots;
      void this.beatSlot(this.bySlot[this.tick] ?? []);
      this.schedule();
    });
  }

  /** Beats a slot's nodes; a node whose previous beat has not settled (an overloaded server) skips this one. */
  private async beatSlot(nodes: readonly Beating[]): Promise<void> {
    const pending = nodes.filter((node) => !this.inFlight.has(node));
    for (const node of pending) this.inFlight.add(node);
    const workers = Array.from({ length: Math.min(BEAT_CONCURRENCY, pending.length) }, async () => {
      for (let node = pending.shift(); node && !this.stopped; node = pending.shift()) {
        await node.beat();
        this.inFlight.delete(node);
      }
    });
    await Promise.all(workers);
    for (const node of pending) this.inFlight.delete(node);
  }
}
