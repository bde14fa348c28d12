/** What the decision of one claimed node reads and answers (node-steps.ts, release.ts). */
import type { NodeClaim } from "./claim.ts";
import type { NodeStep, ObservedNode, RolloutEvent, RolloutInput, StatusNode, WaitReason } from "./types.ts";

export type BeginVerdict = { ok: true } | { ok: false; reason: WaitReason; message: string };

export interface ClaimedNodeContext {
  input: RolloutInput;
  node: ObservedNode;
  /** The owner's claim on the node. */
  claim: NodeClaim;
  /** Whether a new attempt may begin now (mayStart, lock, quorum guard). */
  canBegin: BeginVerdict;
  /** What the last drain round reported, for the failure message at the drain timeout. */
  drainMessage: string | undefined;
  /** The last drain round found a configuration error: the attempt fails at once, not retried. */
  drainFailure?: string | undefined;
  /** When the engine first saw this node pass every health check (this attempt). */
  healthySinceMs?: number | undefined;
}

export interface NodeDecision {
  steps: NodeStep[];
  events: RolloutEvent[];
  /** The node's status entry after this round; undefined once done. */
  status: StatusNode | undefined;
  done: boolean;
  /** Out of service after this round (holds the disruption lock). */
  stillOut: boolean;
  recheckInMs?: number;
  /** An attempt was due but could not begin. */
  blocked?: { reason: WaitReason; message: string };
  /** The health gate found nothing wrong this round (it may still be settling). */
  healthy?: boolean;
}

/** The node's status entry: phase, attempts and when this attempt started. */
export function entry(
  node: ObservedNode,
  claim: NodeClaim,
  phase: StatusNode["phase"],
  extra: Partial<StatusNode> = {},
): StatusNode {
  return {
    name: node.name,
    tier: node.tier,
    phase,
    attempts: claim.attempts,
    ...(claim.attemptStartedAt !== undefined ? { startedAt: claim.attemptStartedAt } : {}),
    ...extra,
  };
}

/** Cordoned by us: uncordoning it is ours to do. */
export function cordonedByUs(node: ObservedNode, claim: NodeClaim): boolean {
  return node.unschedulable && !claim.wasUnschedulable;
}
