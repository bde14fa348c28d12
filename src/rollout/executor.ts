/**
 * The thin effects layer: performs a round's decision through the port. Node writes carry the
 * resourceVersion the decision was based on (a concurrent change fails the write, and the next
 * round decides again) and are remembered so the next round sees them before the watch does.
 */
import { JOB_RESOURCE, type Job } from "../nodeops/job.ts";
import type { Logger } from "../observability/logger.ts";
import { Backoff, type BackoffPolicy } from "../runtime/backoff.ts";
import type { Clock } from "../runtime/clock.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { CLAIM_ANNOTATION, completionRecord, encodeClaim } from "./claim.ts";
import { drainRound } from "./drainer.ts";
import type { RolloutCaches } from "./informers.ts";
import { NODE_RESOURCE, type NodeObject } from "./kube-objects.ts";
import type { DisruptionLock } from "./lock.ts";
import { attemptIdentity, type RolloutRequest } from "./observe.ts";
import type { AttemptWork, NodeStep, RolloutDecision, RolloutEvent, RolloutInput, StatusNode, Tier } from "./types.ts";

export interface ExecutorDeps {
  port: KubePort;
  clock: Clock;
  log: Logger;
  caches: RolloutCaches;
  lock: DisruptionLock;
  /** How soon to look again at a drain in progress. */
  drainPollMs: number;
  /** Backoff between drain rounds a PodDisruptionBudget refused. */
  drainBackoff: BackoffPolicy;
}

/** What the engine remembers between rounds of one owner (lost on restart, harmlessly). */
export class RoundState {
  readonly drainMessages = new Map<string, string>();
  readonly drainBlocked = new Map<string, string>();
  readonly drainFailures = new Map<string, string>();
  readonly drainBackoffs = new Map<string, Backoff>();
  readonly failureMessages = new Map<string, string>();
  readonly healthySince = new Map<string, number>();

  /** Remembers when each settling node was first seen healthy; forgets the others. */
  noteHealthy(healthy: ReadonlySet<string>, now: number): void {
    for (const node of this.healthySince.keys()) if (!healthy.has(node)) this.healthySince.delete(node);
    for (const node of healthy) if (!this.healthySince.has(node)) this.healthySince.set(node, now);
  }
}

export interface ExecutionOutcome {
  events: RolloutEvent[];
  /**
   * What a node's status became by acting, where it differs from the decision's: a drain round's
   * message, a Job created, a claim held back for the lock. The decision itself is left as decided.
   */
  progress: Map<string, StatusNode>;
  requeueAfterMs: number | undefined;
  finished: { node: string; tier: Tier; durationMs: number | undefined }[];
  lockHeld: boolean;
  errors: unknown[];
}

const STEP_CONCURRENCY = 16;

export async function execute(
  deps: ExecutorDeps,
  request: RolloutRequest,
  input: RolloutInput,
  decision: RolloutDecision,
  state: RoundState,
): Promise<ExecutionOutcome> {
  const outcome: ExecutionOutcome = {
    events: [],
    progress: new Map(),
    requeueAfterMs: undefined,
    finished: [],
    lockHeld: input.lock.holder === input.owner,
    errors: [],
  };
  /** Records a node's status as acting changed it (the decided entry, updated). */
  const report = (node: string, update: (entry: StatusNode) => StatusNode): void => {
    const entry = outcome.progress.get(node) ?? decision.progress.get(node);
    if (entry) outcome.progress.set(node, update(entry));
  };
  const requeue = (ms: number): void => {
    outcome.requeueAfterMs = Math.min(outcome.requeueAfterMs ?? Infinity, Math.max(0, ms));
  };
  const leaseKey = `${deps.caches.lockNamespace}/${deps.caches.lockName}`;
  const currentLease = () => deps.caches.leaseWrites.resolve(deps.caches.lease.cache.get(leaseKey), leaseKey);

  if (decision.lock === "acquire") {
    const result = await deps.lock.acquire(input.owner, currentLease(), input.lock.holderGone);
    if (result.lease) deps.caches.leaseWrites.record(result.lease);
    outcome.lockHeld = result.held;
  }

  const patchNode = async (name: string, patch: object): Promise<void> => {
    const updated = await deps.port.mergePatch<NodeObject>(NODE_RESOURCE, name, patch);
    deps.caches.nodeWrites.record(updated);
  };

  const deleteJobs = async (names: readonly string[]): Promise<void> => {
    for (const name of names) {
      try {
        // Foreground: the Job stays until its pod is gone, so no new Job runs beside an old pod.
        await deps.port.delete(JOB_RESOURCE, name, deps.caches.jobNamespace, { propagationPolicy: "Foreground" });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  };

  const work = async (item: AttemptWork): Promise<void> => {
    if (item.drain) {
      const round = await drainRound(deps.port, item.node, item.drain.spec, deps.clock.now());
      if (round.state !== "done") {
        noteDrain(deps, state, outcome, item.node, round.state, round.message);
        report(item.node, (entry) => ({ ...entry, message: round.message }));
        requeue(
          round.state === "blocked"
            ? backoffFor(deps, state, item.node).next()
            : round.state === "misconfigured"
              ? 0
              : deps.drainPollMs,
        );
        return;
      }
      clearDrain(state, item.node);
    }
    const identity = attemptIdentity(request.target, item.attempt);
    const job: Job = request.buildJob(item.node, identity);
    const expected = input.jobName(item.node, item.attempt);
    if (job.metadata.name !== expected)
      throw new Error(`buildJob named the Job ${job.metadata.name}, expected ${expected}`);
    try {
      await deps.port.create(JOB_RESOURCE, job);
    } catch (err) {
      // Same deterministic name: this attempt's Job already exists (a restart); adopt it.
      if (!isAlreadyExists(err)) throw err;
    }
    report(item.node, ({ message: _done, ...entry }) => ({ ...entry, phase: "Running", job: job.metadata.name }));
  };

  const run = async (step: NodeStep): Promise<void> => {
    switch (step.kind) {
      case "writeClaim": {
        if (step.needsLock && !outcome.lockHeld) {
          report(step.node, (entry) => ({ ...entry, message: "waiting for the disruption lock" }));
          return;
        }
        await deleteJobs(step.deleteJobs);
        const spec = step.cordon ? { unschedulable: true } : step.uncordon ? { unschedulable: null } : undefined;
        await patchNode(step.node, {
          metadata: {
            resourceVersion: step.resourceVersion,
            annotations: { [CLAIM_ANNOTATION]: encodeClaim(step.claim) },
          },
          ...(spec ? { spec } : {}),
        });
        // A failure consumed the drain's report; a later retry starts with a clean slate.
        if (step.claim.failed !== undefined || step.claim.attemptStartedAt === undefined) clearDrain(state, step.node);
        if (step.then) await work(step.then);
        return;
      }
      case "work":
        await deleteJobs(step.deleteJobs);
        await work(step.work);
        return;
      case "deleteJobs":
        await deleteJobs(step.jobs);
        return;
      case "finish":
        await patchNode(step.node, {
          metadata: {
            labels: { [request.completionLabel]: input.targetHash },
            annotations: {
              [CLAIM_ANNOTATION]: null,
              ...completionRecord(request.completionLabel, input, step.durationMs),
            },
          },
          ...(step.uncordon ? { spec: { unschedulable: null } } : {}),
        });
        clearDrain(state, step.node);
        outcome.finished.push({ node: step.node, tier: step.tier, durationMs: step.durationMs });
        return;
      case "label":
        await patchNode(step.node, { metadata: { labels: { [request.completionLabel]: input.targetHash } } });
        outcome.finished.push({ node: step.node, tier: step.tier, durationMs: undefined });
        return;
      case "release":
        await patchNode(step.node, {
          metadata: { resourceVersion: step.resourceVersion, annotations: { [CLAIM_ANNOTATION]: null } },
          ...(step.uncordon ? { spec: { unschedulable: null } } : {}),
        });
        clearDrain(state, step.node);
        return;
    }
  };

  // Nodes leave before others come: a round's finishes and releases reach the server before any of
  // its claims, so no observer ever sees the node that starts beside the one that just finished.
  const freeing = decision.steps.filter(isFreeingStep);
  const claiming = decision.steps.filter((step) => !isFreeingStep(step));
  const freedAll = await runSteps(deps, outcome, freeing, run, requeue);
  if (freedAll) await runSteps(deps, outcome, claiming, run, requeue);
  else if (claiming.length > 0) requeue(0);

  if (decision.lock === "release" && outcome.errors.length === 0) {
    const result = await deps.lock.release(input.owner, currentLease());
    if (result.lease) deps.caches.leaseWrites.record(result.lease);
    outcome.lockHeld = result.held;
  }
  return outcome;
}

/** Steps that give a node back: they must land before the round claims any other node. */
export function isFreeingStep(step: NodeStep): boolean {
  return step.kind === "finish" || step.kind === "release" || step.kind === "label";
}

/** Runs steps with bounded concurrency; false when any of them failed (a conflict included). */
async function runSteps(
  deps: ExecutorDeps,
  outcome: ExecutionOutcome,
  steps: readonly NodeStep[],
  run: (step: NodeStep) => Promise<void>,
  requeue: (ms: number) => void,
): Promise<boolean> {
  const queue = [...steps];
  let allDone = true;
  const workers = Array.from({ length: Math.min(STEP_CONCURRENCY, queue.length) }, async () => {
    for (let step = queue.shift(); step; step = queue.shift()) {
      try {
        await run(step);
      } catch (err) {
        allDone = false;
        // A conflict means the node changed under us: the next round decides on the new state.
        if (isConflict(err)) requeue(0);
        else outcome.errors.push(err);
        const node = "node" in step ? step.node : step.work.node;
        deps.log.warn({ err, step: step.kind, node }, "rollout step failed");
      }
    }
  });
  await Promise.all(workers);
  return allDone;
}

function backoffFor(deps: ExecutorDeps, state: RoundState, node: string): Backoff {
  let backoff = state.drainBackoffs.get(node);
  if (!backoff) {
    backoff = new Backoff(deps.clock, deps.drainBackoff);
    state.drainBackoffs.set(node, backoff);
  }
  return backoff;
}

function noteDrain(
  deps: ExecutorDeps,
  state: RoundState,
  outcome: ExecutionOutcome,
  node: string,
  kind: "waiting" | "blocked" | "misconfigured",
  message: string,
): void {
  state.drainMessages.set(node, message);
  if (kind === "misconfigured") {
    state.drainFailures.set(node, message);
    outcome.events.push({ type: "Warning", reason: "DrainFailed", message: `${node}: ${message}` });
    return;
  }
  if (kind !== "blocked") {
    state.drainBlocked.delete(node);
    return;
  }
  // An event per change of reason, not per retry: a drain blocked for ten minutes is one event.
  if (state.drainBlocked.get(node) !== message)
    outcome.events.push({ type: "Warning", reason: "DrainBlocked", message: `${node}: ${message}` });
  state.drainBlocked.set(node, message);
  deps.log.debug({ node, message }, "drain blocked");
}

function clearDrain(state: RoundState, node: string): void {
  state.drainMessages.delete(node);
  state.drainBlocked.delete(node);
  state.drainFailures.delete(node);
  state.drainBackoffs.get(node)?.reset();
}
