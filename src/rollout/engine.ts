/**
 * The rollout engine, shared by UpgradePlan and CertRotation: observe (caches) -> decide (pure)
 * -> execute (port) -> summarize (pure). One call is one round; the owner's controller calls it
 * from its reconcile whenever a watched object changes (a Node, a mirror pod, a Job, the Lease),
 * so the next node starts on the event that completes the previous node's gate.
 */
import { jobOutcome, NODE_LABEL, POD_RESOURCE } from "../nodeops/job.ts";
import type { Logger } from "../observability/logger.ts";
import type { BackoffPolicy } from "../runtime/backoff.ts";
import type { Clock } from "../runtime/clock.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { ResourceType } from "../runtime/kube/types.ts";
import { ownerId, readClaim } from "./claim.ts";
import type { PodObject } from "./kube-objects.ts";
import { decideRollout } from "./decide.ts";
import { execute, RoundState } from "./executor.ts";
import { JOBS_BY_OWNER, jobIndexKey, touchNodesOnChange, type RolloutCaches } from "./informers.ts";
import { DisruptionLock } from "./lock.ts";
import { NodeObservations } from "./observation-memo.ts";
import { buildInput, cacheLookups, currentLockHolder, currentNodes, type RolloutRequest } from "./observe.ts";
import { summarize } from "./summary.ts";
import type { ObservedNode, RolloutEvent, RolloutInput, RolloutSummary, Tier } from "./types.ts";

export interface RolloutEngineOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  caches: RolloutCaches;
  /** Every kind whose objects may hold the disruption lock (the callers of the engine), to tell a gone holder. */
  lockHolderKinds: readonly ResourceType[];
  /** How soon to look again at a drain in progress. Default 1 s (kubectl polls every second). */
  drainPollMs?: number;
  /** Between drain rounds a PodDisruptionBudget refused. Default 1 s doubling to 30 s. */
  drainBackoff?: BackoffPolicy;
}

export interface RolloutResult {
  input: RolloutInput;
  summary: RolloutSummary;
  events: RolloutEvent[];
  /** Nodes finished this round, for the duration metric. */
  finished: { node: string; tier: Tier; durationMs: number | undefined }[];
  requeueAfterMs: number | undefined;
  lockHeld: boolean;
  /** Releasing only: every claim is handed back and the lock is free; the owner may go. */
  released: boolean;
  /** Steps that failed; the caller writes its status, then fails the reconcile to back off. */
  errors: unknown[];
}

export const DEFAULT_DRAIN_BACKOFF: BackoffPolicy = {
  initialMs: 1000,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 120_000,
};

export class RolloutEngine {
  readonly caches: RolloutCaches;
  private readonly options: RolloutEngineOptions;
  private readonly lock: DisruptionLock;
  private readonly states = new Map<string, RoundState>();
  /** Each owner's node observations, re-derived only for nodes that changed. */
  readonly observations = new NodeObservations();

  constructor(options: RolloutEngineOptions) {
    this.options = options;
    this.caches = options.caches;
    this.lock = new DisruptionLock({
      port: options.port,
      clock: options.clock,
      namespace: options.caches.lockNamespace,
      name: options.caches.lockName,
      holderKinds: options.lockHolderKinds,
    });
    touchNodesOnChange(this.caches, this.observations);
  }

  /**
   * The round's input without acting: what preflight checks read (versions, readiness, lock).
   * A lock holder or node claim whose owner was deleted counts as free, as it does for a round.
   */
  async observe(request: RolloutRequest): Promise<RolloutInput> {
    const state = this.stateFor(request);
    const owner = ownerId(request.owner.kind, request.owner.name);
    const holder = currentLockHolder(this.caches);
    const holderGone = holder !== undefined && holder !== owner ? await this.lock.holderGone(holder) : false;
    const nodes = await this.releaseOrphans(
      this.observations.observe(
        owner,
        currentNodes(this.caches),
        request,
        cacheLookups(this.caches, request, state.failureMessages),
      ),
      owner,
      holder,
      holderGone,
    );
    return buildInput(request, nodes, { holder, holderGone }, this.options.clock.now());
  }

  async run(request: RolloutRequest): Promise<RolloutResult> {
    const { clock, log, port } = this.options;
    const state = this.stateFor(request);
    await this.loadFailureMessages(request, state);
    const input = await this.observe(request);
    const decision = decideRollout(input, {
      drainMessages: state.drainMessages,
      drainFailures: state.drainFailures,
      healthySince: state.healthySince,
    });
    state.noteHealthy(decision.healthy, input.now);
    const outcome = await execute(
      {
        port,
        clock,
        log,
        caches: this.caches,
        lock: this.lock,
        drainPollMs: this.options.drainPollMs ?? 1000,
        drainBackoff: this.options.drainBackoff ?? DEFAULT_DRAIN_BACKOFF,
      },
      request,
      input,
      decision,
      state,
    );
    const requeues = [decision.requeueAfterMs, outcome.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
    return {
      input,
      summary: summarize(
        input,
        { ...decision, progress: new Map([...decision.progress, ...outcome.progress]) },
        request.maxStatusNodes,
        state.drainBlocked,
      ),
      events: [...decision.events, ...outcome.events],
      finished: outcome.finished,
      requeueAfterMs: requeues.length > 0 ? Math.min(...requeues) : undefined,
      lockHeld: outcome.lockHeld,
      // From what was observed, not decided: a hand-back whose write failed leaves the claim to see.
      released:
        input.releasing &&
        !input.nodes.some((node) => node.claim?.owner === input.owner) &&
        !outcome.lockHeld &&
        outcome.errors.length === 0,
      errors: outcome.errors,
    };
  }

  /**
   * Claims whose owner was deleted mid-rollout would block every other owner for good: they are
   * treated as free nodes that remember the dead claim (to keep an admin's cordon). One GET per
   * distinct foreign owner per round, and only while such claims exist.
   */
  private async releaseOrphans(
    nodes: ObservedNode[],
    owner: string,
    holder: string | undefined,
    holderGone: boolean,
  ): Promise<ObservedNode[]> {
    const foreign = new Set(
      nodes.flatMap((node) => (node.claim && node.claim.owner !== owner ? [node.claim.owner] : [])),
    );
    const gone = new Set<string>();
    for (const other of foreign) if (other === holder ? holderGone : await this.lock.holderGone(other)) gone.add(other);
    if (gone.size === 0) return nodes;
    return nodes.map((node) =>
      node.claim && gone.has(node.claim.owner) ? { ...node, claim: undefined, orphanedClaim: node.claim } : node,
    );
  }

  /** Whether a node carries the owner's claim or the owner holds the lock: it must not just vanish. */
  holdsAnything(owner: { kind: string; name: string }): boolean {
    const id = ownerId(owner.kind, owner.name);
    return (
      currentLockHolder(this.caches) === id ||
      currentNodes(this.caches).some((node) => readClaim(node.metadata.annotations)?.owner === id)
    );
  }

  /** Drops the memory of an owner that was deleted. */
  forget(owner: { kind: string; name: string }): void {
    this.states.delete(ownerId(owner.kind, owner.name));
    this.observations.forget(ownerId(owner.kind, owner.name));
  }

  private stateFor(request: Pick<RolloutRequest, "owner">): RoundState {
    const key = ownerId(request.owner.kind, request.owner.name);
    let state = this.states.get(key);
    if (!state) {
      state = new RoundState();
      this.states.set(key, state);
    }
    return state;
  }

  /**
   * A failed Job's reason is in its pod's termination message, which the Job does not carry:
   * read it once per failed Job (failures are rare; the Job cache alone serves everything else).
   */
  private async loadFailureMessages(request: RolloutRequest, state: RoundState): Promise<void> {
    const prefix = jobIndexKey(request.action, request.owner.kind, request.owner.name, "");
    const jobs = this.caches.jobs.cache.byIndex(JOBS_BY_OWNER, prefix);
    if (state.failureMessages.size > 0) {
      const names = new Set(jobs.map((job) => job.metadata.name));
      for (const name of state.failureMessages.keys()) if (!names.has(name)) state.failureMessages.delete(name);
    }
    for (const job of jobs) {
      const failed = job.status?.conditions?.some((c) => c.type === "Failed" && c.status === "True") ?? false;
      if (!failed || state.failureMessages.has(job.metadata.name)) continue;
      try {
        const pods = await this.options.port.list<PodObject>(POD_RESOURCE, {
          namespace: this.caches.jobNamespace,
          labelSelector: `job-name=${job.metadata.name}`,
        });
        const outcome = jobOutcome(job, pods.items);
        state.failureMessages.set(
          job.metadata.name,
          outcome.state === "Failed" ? (outcome.message ?? outcome.reason) : "the node Job failed",
        );
        const node = job.metadata.labels?.[NODE_LABEL];
        if (node !== undefined) this.observations.touch(node);
      } catch (err) {
        this.options.log.warn(
          { err, job: job.metadata.name },
          "could not read the failed Job's pod; reporting the Job's own reason",
        );
      }
    }
  }
}
