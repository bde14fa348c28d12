/**
 * What to do next with one node the owner has claimed, from its claim, its Jobs and its health.
 * Pure. The stages follow from observed state, so a restarted operator picks up where the last
 * one stopped: cordoned but no Job yet -> drain, then create the Job; Job running -> wait; Job
 * done -> health gate; healthy for `settle` -> finish. A failed attempt starts the next one
 * (when starting is allowed) until `maxAttemptsPerNode`, then the node is marked failed.
 * While the owner is being deleted (`releasing`), see release.ts.
 */
import { durationToMs } from "../api/duration.ts";
import type { NodeClaim } from "./claim.ts";
import { evaluateHealth } from "./health.ts";
import { cordonedByUs, entry, type ClaimedNodeContext, type NodeDecision } from "./claimed-node.ts";
import { continuesWhileReleasing, decideReleasing, handBack } from "./release.ts";
import type { AttemptWork, NodeStep, ObservedJob, ObservedNode, RolloutEvent, RolloutInput } from "./types.ts";

export type { BeginVerdict, ClaimedNodeContext, NodeDecision } from "./claimed-node.ts";

export const iso = (ms: number): string => new Date(ms).toISOString();

export function drainFor(input: RolloutInput, node: ObservedNode, attemptStartedMs: number): AttemptWork["drain"] {
  const spec = input.policy.drain[node.tier];
  if (!spec.enabled) return undefined;
  return { spec, deadlineMs: attemptStartedMs + (durationToMs(spec.timeout) ?? 0) };
}

function workFor(input: RolloutInput, node: ObservedNode, attempt: number, attemptStartedMs: number): AttemptWork {
  return { node: node.name, tier: node.tier, attempt, drain: drainFor(input, node, attemptStartedMs) };
}

/** Begins the next attempt (or says why it cannot), removing the Jobs of earlier ones first. */
export function beginAttempt(
  ctx: ClaimedNodeContext,
  base: NodeClaim,
  staleJobs: readonly ObservedJob[],
  event: RolloutEvent | undefined,
): NodeDecision {
  const { input, node } = ctx;
  const deleteJobs = staleJobs.filter((job) => !job.deleting).map((job) => job.name);
  if (!ctx.canBegin.ok) {
    const idle: NodeClaim = { ...base, attemptStartedAt: undefined };
    const changed = JSON.stringify(idle) !== JSON.stringify(ctx.claim);
    return {
      steps: changed || deleteJobs.length > 0 ? [writeClaim(node, idle, { deleteJobs })] : [],
      events: event ? [event] : [],
      status: entry(node, idle, idle.failed === undefined ? "Waiting" : "Failed", { message: ctx.canBegin.message }),
      done: false,
      stillOut: node.unschedulable && !idle.wasUnschedulable,
      blocked: { reason: ctx.canBegin.reason, message: ctx.canBegin.message },
    };
  }
  const attempts = base.attempts + 1;
  const claim: NodeClaim = { ...base, attempts, attemptStartedAt: iso(input.now), failed: undefined };
  const oldJobsRemain = staleJobs.length > 0;
  const work = oldJobsRemain ? undefined : workFor(input, node, attempts, input.now);
  const phase = work === undefined ? "Waiting" : work.drain ? "Draining" : "Running";
  return {
    steps: [writeClaim(node, claim, { cordon: !node.unschedulable, needsLock: true, deleteJobs, then: work })],
    events: event ? [event] : [],
    status: entry(node, claim, phase, work && !work.drain ? { job: input.jobName(node.name, attempts) } : {}),
    done: false,
    stillOut: true,
  };
}

function writeClaim(
  node: ObservedNode,
  claim: NodeClaim,
  options: {
    cordon?: boolean;
    uncordon?: boolean;
    needsLock?: boolean;
    deleteJobs?: string[];
    then?: AttemptWork | undefined;
  },
): NodeStep {
  return {
    kind: "writeClaim",
    node: node.name,
    resourceVersion: node.resourceVersion,
    claim,
    needsLock: options.needsLock ?? false,
    cordon: options.cordon ?? false,
    uncordon: options.uncordon ?? false,
    deleteJobs: options.deleteJobs ?? [],
    then: options.then,
  };
}

/** The attempt failed: start the next one, or mark the node failed when none is left. */
function attemptFailed(
  ctx: ClaimedNodeContext,
  message: string,
  beforeJob: boolean,
  staleJobs: readonly ObservedJob[],
  terminal = false,
): NodeDecision {
  const { input, node, claim } = ctx;
  const max = input.policy.maxAttemptsPerNode;
  const failedEvent: RolloutEvent = {
    type: "Warning",
    reason: "AttemptFailed",
    message: `${node.name}: attempt ${claim.attempts} of ${max} failed: ${message}`,
  };
  // The owner is going away: no next attempt; the node goes back to a person, cordoned.
  if (input.releasing) return handBack(ctx, message);
  if (claim.attempts < max && !terminal) return beginAttempt(ctx, claim, staleJobs, failedEvent);
  // A drain that never finished left the workloads running: leaving the node cordoned would only
  // cost capacity. After the Job ran the node may be broken, so it stays cordoned for a person.
  const uncordon = beforeJob && cordonedByUs(node, claim);
  const failed: NodeClaim = { ...claim, attemptStartedAt: undefined, failed: message };
  return {
    steps: [writeClaim(node, failed, { uncordon })],
    events: [
      failedEvent,
      {
        type: "Warning",
        reason: "NodeFailed",
        message: `${node.name} failed after ${claim.attempts} attempt(s): ${message}`,
      },
    ],
    status: entry(node, failed, "Failed", { message }),
    done: false,
    stillOut: cordonedByUs(node, claim) && !uncordon,
  };
}

/** Decides the next step for a node claimed by the owner. */
export function decideClaimedNode(ctx: ClaimedNodeContext): NodeDecision {
  const { input, node, claim } = ctx;
  const live = node.jobs;
  if (input.releasing && !continuesWhileReleasing(ctx)) return decideReleasing(ctx);

  if (claim.target !== input.targetHash) {
    const reset: NodeClaim = {
      ...claim,
      target: input.targetHash,
      attempts: 0,
      attemptStartedAt: undefined,
      failed: undefined,
    };
    const event: RolloutEvent = {
      type: "Normal",
      reason: "Retargeted",
      message: `${node.name}: target changed; its earlier Jobs are removed and it starts over`,
    };
    return beginAttempt(ctx, reset, live, event);
  }
  if (claim.failed !== undefined) {
    if (input.retryFailed) {
      const reset: NodeClaim = { ...claim, attempts: 0, failed: undefined };
      return beginAttempt(ctx, reset, live, {
        type: "Normal",
        reason: "NodeRetried",
        message: `${node.name}: retrying after failure`,
      });
    }
    return {
      steps: [],
      events: [],
      status: entry(node, claim, "Failed", { message: claim.failed }),
      done: false,
      stillOut: cordonedByUs(node, claim),
    };
  }
  if (claim.attemptStartedAt === undefined) return beginAttempt(ctx, claim, live, undefined);

  const startedMs = Date.parse(claim.attemptStartedAt);
  const currentName = input.jobName(node.name, claim.attempts);
  const current = live.find((job) => job.name === currentName);
  const stale = live.filter((job) => job !== current);
  const staleToDelete = stale.filter((job) => !job.deleting).map((job) => job.name);

  if (current && (current.state === "Succeeded" || !current.deleting)) {
    const cleanup: NodeStep[] =
      staleToDelete.length > 0 ? [{ kind: "deleteJobs", node: node.name, jobs: staleToDelete }] : [];
    if (current.state === "Running") {
      return {
        steps: cleanup,
        events: [],
        status: entry(node, claim, "Running", { job: current.name }),
        done: false,
        stillOut: true,
      };
    }
    if (current.state === "Failed") return attemptFailed(ctx, current.message ?? "the node Job failed", false, live);
    const verdict = evaluateHealth({
      now: input.now,
      jobFinishedAtMs: current.finishedAtMs ?? startedMs,
      node,
      mirrorPods: node.mirrorPods,
      gate: input.policy.healthGate,
      observedHealthySinceMs: ctx.healthySinceMs,
    });
    if (verdict.state === "timedOut" || verdict.state === "notRestarted") {
      return attemptFailed(ctx, verdict.message, false, live);
    }
    if (verdict.state === "waiting") {
      return {
        steps: cleanup,
        events: [],
        status: entry(node, claim, "WaitingHealthy", { job: current.name, message: verdict.message }),
        done: false,
        stillOut: true,
        recheckInMs: verdict.recheckInMs,
        healthy: verdict.settling,
      };
    }
    const durationMs = input.now - Date.parse(claim.claimedAt);
    return {
      steps: [
        ...cleanup,
        {
          kind: "finish",
          node: node.name,
          tier: node.tier,
          uncordon: cordonedByUs(node, claim),
          durationMs: Number.isFinite(durationMs) ? durationMs : undefined,
        },
      ],
      events: [{ type: "Normal", reason: "NodeSucceeded", message: `${node.name} is done and healthy` }],
      status: undefined,
      done: true,
      stillOut: false,
    };
  }

  // No Job for this attempt yet: old ones must be gone first (never two Jobs on one node).
  if (stale.length > 0 || current) {
    const waitingFor = [...stale, ...(current ? [current] : [])].map((job) => job.name).join(", ");
    const steps: NodeStep[] =
      staleToDelete.length > 0 ? [{ kind: "deleteJobs", node: node.name, jobs: staleToDelete }] : [];
    return {
      steps,
      events: [],
      status: entry(node, claim, "Waiting", { message: `waiting for earlier Job(s) ${waitingFor} to go` }),
      done: false,
      stillOut: true,
    };
  }
  const work = workFor(input, node, claim.attempts, startedMs);
  if (work.drain && ctx.drainFailure !== undefined) return attemptFailed(ctx, ctx.drainFailure, true, live, true);
  if (work.drain && input.now >= work.drain.deadlineMs) {
    const detail = ctx.drainMessage ? `: ${ctx.drainMessage}` : "";
    return attemptFailed(ctx, `drain did not finish within ${work.drain.spec.timeout}${detail}`, true, live);
  }
  const step: NodeStep = node.unschedulable
    ? { kind: "work", work, deleteJobs: [] }
    : writeClaim(node, claim, { cordon: true, needsLock: true, then: work });
  const phase = work.drain ? "Draining" : "Running";
  return {
    steps: [step],
    events: [],
    status: entry(
      node,
      claim,
      phase,
      work.drain
        ? ctx.drainMessage
          ? { message: ctx.drainMessage }
          : {}
        : { job: input.jobName(node.name, claim.attempts) },
    ),
    done: false,
    stillOut: true,
    ...(work.drain ? { recheckInMs: Math.max(0, work.drain.deadlineMs - input.now) } : {}),
  };
}
