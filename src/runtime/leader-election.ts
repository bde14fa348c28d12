/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's leaderelection semantics:
 * - a lease held by someone else counts as expired only when `leaseDurationSeconds` have passed
 *   on OUR clock since we OBSERVED its record change (never by comparing its timestamps with our
 *   clock), which makes it immune to clock skew between replicas; durations are measured on the
 *   monotonic clock (`Clock.monotonic`), so a stepped wall clock neither ends nor extends a lease;
 * - writes are optimistic (replace with resourceVersion), so of two candidates only one wins;
 * - the leader renews every retry period; a round that cannot renew within the renew deadline ends
 *   leadership; leaseTransitions grows on every change of holder;
 * - on a clean stop the leader releases the lease (empty holder, 1 s duration, as ReleaseOnCancel)
 *   so a successor takes over at its next retry instead of after the lease duration.
 * Stricter than client-go: seeing the lease held by another identity ends leadership at once, a
 * renewal request still in flight at the deadline does not extend leadership, and the renew
 * deadline counts from the start of the last successful renewal (not from the start of the failing
 * round), so leadership ends before any other replica can see the lease expire.
 * The elector is also the operator's write fence (`refusal`): it answers from the clock at the
 * moment of asking, so a replica frozen past its deadline is fenced before its timers run.
 */
import type { Logger } from "./logger.ts";
import { monotonicNow, type Clock } from "./clock.ts";
import type { WriteFence } from "./kube/fenced-port.ts";
import type { KubePort } from "./kube/port.ts";
import { LEASE_RESOURCE, microTime, sameLeaseRecord, type Lease, type LeaseSpec } from "./lease.ts";

export interface LeaderElectionOptions {
  port: KubePort;
  clock: Clock;
  logger: Logger;
  namespace: string;
  leaseName: string;
  /** Unique per replica, e.g. the pod name. */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Start acting; stop when `signal` aborts. */
  onStartedLeading: (signal: AbortSignal) => void;
  /** Leadership ended; the lease is released only after a returned promise settles. */
  onStoppedLeading?: () => void | Promise<void>;
  onNewLeader?: (identity: string) => void;
  /** In [0, 1), for the jitter of retries; injectable for tests. */
  random?: () => number;
}

const JITTER_FACTOR = 1.2;

export class LeaderElector implements WriteFence {
  private readonly options: LeaderElectionOptions;
  private readonly log: Logger;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopping = new AbortController();
  private leadership: AbortController | undefined;
  private lease: Lease | undefined;
  private observedRecord: LeaseSpec = {};
  private observedTime = 0;
  /** Leading is valid until then: the start of the last successful acquire or renew + renew deadline. */
  private validUntil = 0;
  private reportedLeader = "";
  private running: Promise<void> | undefined;

  constructor(options: LeaderElectionOptions) {
    this.options = options;
    this.log = options.logger.child({ lease: `${options.namespace}/${options.leaseName}`, identity: options.identity });
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
  }

  /** True between onStartedLeading and the end of leadership, which the clock alone can end. */
  isLeader(): boolean {
    return this.refusal() === undefined;
  }

  /** Why this replica may not write now; undefined while it leads within its renew deadline. */
  refusal(): string | undefined {
    if (this.leadership === undefined) return "not leading";
    if (this.leadership.signal.aborted) return "no longer leading";
    if (this.elapsed() >= this.validUntil) return "the lease was not renewed within the renew deadline";
    return undefined;
  }

  /** The holder last observed, "" when none. */
  leader(): string {
    return this.observedRecord.holderIdentity ?? "";
  }

  /** Campaigns, leads until leadership is lost or `stop` is called, then resolves. */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops campaigning or leading, and releases the lease if we hold it. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    this.log.info("attempting to acquire leader lease");
    if (!(await this.acquire())) return;
    this.leadership = new AbortController();
    this.log.info("became leader");
    try {
      this.options.onStartedLeading(this.leadership.signal);
    } catch (err) {
      this.log.error({ err }, "onStartedLeading failed");
    }
    await this.renewWhileLeading();
    this.leadership.abort();
    this.log.info("stopped leading");
    try {
      await this.options.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err }, "onStoppedLeading failed");
    }
    await this.release();
  }

  private async acquire(): Promise<boolean> {
    while (!this.stopped()) {
      const acquired = await this.attempt();
      this.reportTransition();
      if (acquired) return true;
      const random = this.options.random ?? Math.random;
      await this.options.clock.sleep(this.retryPeriodMs * (1 + JITTER_FACTOR * random()), this.stopping.signal);
    }
    return false;
  }

  private async renewWhileLeading(): Promise<void> {
    while (!this.stopped()) {
      if (!(await this.renewWithinDeadline())) return;
      await this.options.clock.sleep(this.retryPeriodMs, this.stopping.signal);
    }
  }

  /** One renewal round: retries every retry period until it succeeds or the deadline passes. */
  private async renewWithinDeadline(): Promise<boolean> {
    const { clock } = this.options;
    const roundOver = new AbortController();
    const untilDeadline = this.validUntil - this.elapsed();
    const deadline = clock.sleep(untilDeadline, roundOver.signal).then(() => "deadline" as const);
    try {
      while (!this.stopped()) {
        const outcome = untilDeadline > 0 ? await Promise.race([this.attempt(), deadline]) : "deadline";
        this.reportTransition();
        if (outcome === true) return true;
        if (outcome === "deadline") {
          this.log.error("failed to renew the lease within the renew deadline");
          return false;
        }
        if (this.leader() !== this.options.identity) {
          this.log.warn({ holder: this.leader() }, "lease taken by another holder");
          return false;
        }
        const retry = clock.sleep(this.retryPeriodMs, this.stopping.signal).then(() => "retry" as const);
        if ((await Promise.race([retry, deadline])) === "deadline") {
          this.log.error("failed to renew the lease within the renew deadline");
          return false;
        }
      }
      return false;
    } finally {
      roundOver.abort();
    }
  }

  /** One try; a success extends leadership to a renew deadline after the try began. */
  private async attempt(): Promise<boolean> {
    const began = this.elapsed();
    const succeeded = await this.tryAcquireOrRenew();
    if (succeeded && this.observedHolderIsMe()) this.validUntil = began + this.renewDeadlineMs;
    return succeeded;
  }

  /** client-go's tryAcquireOrRenew over the port; false on any failure (it is retried). */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { port, clock, identity, namespace, leaseName } = this.options;
    const now = clock.now();
    const desired: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    // Fast path: the leader renews on the version it last wrote, without a GET.
    if (this.lease && this.observedHolderIsMe() && this.leaseValid(this.elapsed())) {
      const renewed = await this.write({ ...desired, ...this.kept(this.observedRecord) }, this.lease);
      if (renewed) return true;
    }
    let current: Lease | undefined;
    try {
      current = await port.get<Lease>(LEASE_RESOURCE, leaseName, namespace);
    } catch (err) {
      this.log.warn({ err }, "cannot read the lease");
      return false;
    }
    if (!current) return this.write(desired, undefined);
    const record = current.spec ?? {};
    if (sameLeaseRecord(record, this.observedRecord)) this.lease = current;
    else this.observe(current);
    if (record.holderIdentity && this.leaseValid(this.elapsed()) && !this.observedHolderIsMe()) return false;
    const next = this.observedHolderIsMe()
      ? { ...desired, ...this.kept(record) }
      : { ...desired, leaseTransitions: (record.leaseTransitions ?? 0) + 1 };
    return this.write(next, current);
  }

  /** What a renewal keeps from the record: when this term began and the transition count. */
  private kept(record: LeaseSpec): LeaseSpec {
    return {
      ...(record.acquireTime ? { acquireTime: record.acquireTime } : {}),
      leaseTransitions: record.leaseTransitions ?? 0,
    };
  }

  /** Creates the lease (no `base`) or replaces `base` at its resourceVersion. */
  private async write(spec: LeaseSpec, base: Lease | undefined): Promise<boolean> {
    const { port, namespace, leaseName } = this.options;
    try {
      const written = base
        ? await port.replace<Lease>(LEASE_RESOURCE, { ...base, spec })
        : await port.create<Lease>(LEASE_RESOURCE, {
            apiVersion: LEASE_RESOURCE.apiVersion,
            kind: LEASE_RESOURCE.kind,
            metadata: { name: leaseName, namespace },
            spec,
          });
      this.observe(written);
      return true;
    } catch (err) {
      this.log.debug({ err }, "lease write failed");
      return false;
    }
  }

  private observe(lease: Lease): void {
    this.lease = lease;
    this.observedRecord = lease.spec ?? {};
    this.observedTime = this.elapsed();
  }

  private observedHolderIsMe(): boolean {
    return this.observedRecord.holderIdentity === this.options.identity;
  }

  /** Durations are measured on the monotonic clock, as client-go's (a stepped wall clock changes nothing). */
  private elapsed(): number {
    return monotonicNow(this.options.clock);
  }

  private leaseValid(now: number): boolean {
    return this.observedTime + (this.observedRecord.leaseDurationSeconds ?? 0) * 1000 > now;
  }

  private reportTransition(): void {
    const holder = this.leader();
    if (holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    if (holder) this.log.info({ holder }, "new leader observed");
    this.options.onNewLeader?.(holder);
  }

  /**
   * Gives the lease up so a successor need not wait out its duration. Only on a requested stop
   * within the renew deadline: after a lost leadership the record we hold may be stale, and a
   * deposed replica writes nothing, not even to the lease.
   */
  private async release(): Promise<void> {
    if (!this.lease || !this.observedHolderIsMe()) return;
    if (!this.stopped() || this.elapsed() >= this.validUntil) return;
    const now = microTime(this.options.clock.now());
    const spec: LeaseSpec = {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: this.observedRecord.leaseTransitions ?? 0,
    };
    if (await this.write(spec, this.lease)) this.log.info("released the lease");
    else this.log.warn("could not release the lease; successors wait for it to expire");
  }
}
