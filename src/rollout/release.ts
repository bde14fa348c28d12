/**
 * A node the owner claimed, while the owner is being deleted (`RolloutInput.releasing`). Pure.
 *
 * - This attempt's Job (for the current target, not being deleted) runs or succeeded: the node
 *   finishes as in any round (Job, health gate, uncordon); if that fails, it is handed back.
 * - Any other Job of ours on the node is still running (superseded, or being deleted with its pod
 *   terminating): wait, claim and lock kept, so nothing else starts on the node beside it.
 * - Otherwise the node is handed back: its claim goes. It is uncordoned only when nothing can have
 *   changed it: we cordoned it, nothing failed, first attempt, no Job of ours is on it, and this
 *   operator saw its drain still under way (so the attempt's Job was never created). Otherwise, e.g. after a
 *   restart, it keeps its cordon for a person to look at, as a halted rollout leaves it.
 *
 * The hand-back round still counts the node as out: the lock is released in a later round, once
 * the nodes show no claim of ours (so a hand-back that failed to write is tried again first).
 */
import { cordonedByUs, entry, type ClaimedNodeContext, type NodeDecision } from "./claimed-node.ts";

/** This attempt's Job runs or passed: let the node finish through the normal steps. */
export function continuesWhileReleasing(ctx: ClaimedNodeContext): boolean {
  const { input, node, claim } = ctx;
  if (claim.failed !== undefined || claim.attemptStartedAt === undefined || claim.target !== input.targetHash)
    return false;
  const current = node.jobs.find((job) => job.name === input.jobName(node.name, claim.attempts));
  return current !== undefined && !current.deleting && current.state !== "Failed";
}

export function decideReleasing(ctx: ClaimedNodeContext): NodeDecision {
  const { node, claim } = ctx;
  const running = node.jobs.filter((job) => job.state === "Running");
  if (running.length > 0) {
    const names = running.map((job) => job.name).join(", ");
    return {
      steps: [],
      events: [],
      status: entry(node, claim, "Running", {
        message: `owner deleted: waiting for Job(s) ${names} to end before handing the node back`,
      }),
      done: false,
      stillOut: true,
    };
  }
  return handBack(ctx, undefined);
}

/** Why a node handed back keeps its cordon, undefined when nothing can have changed it. */
function changedBy(ctx: ClaimedNodeContext, failure: string | undefined): string | undefined {
  if (failure !== undefined || ctx.claim.failed !== undefined) return failure ?? ctx.claim.failed;
  if (ctx.node.jobs.length > 0) return "a node Job ran on it";
  if (ctx.claim.attempts > 1) return "an earlier attempt may have run its node Job";
  return ctx.drainMessage === undefined ? "its node Job may have run" : undefined;
}

/** Drops the claim; uncordons only a node nothing can have changed. `failure`: why it failed now. */
export function handBack(ctx: ClaimedNodeContext, failure: string | undefined): NodeDecision {
  const { node, claim } = ctx;
  const reason = changedBy(ctx, failure);
  const uncordon = cordonedByUs(node, claim) && reason === undefined;
  const keptCordoned = cordonedByUs(node, claim) && !uncordon;
  const message =
    `${node.name}: handed back as its owner is deleted` + (keptCordoned ? `; left cordoned: ${reason ?? ""}` : "");
  return {
    steps: [{ kind: "release", node: node.name, resourceVersion: node.resourceVersion, uncordon }],
    events: [{ type: keptCordoned ? "Warning" : "Normal", reason: "NodeReleased", message }],
    status: undefined,
    done: false,
    stillOut: true,
  };
}
