/**
 * Two node writes an owner needs when its own check finds that a node the engine finished is not
 * in the target state after all (CertRotation: the inventory shows its certificates did not
 * change, or came due again a year later). Both hand the node back to the engine through the
 * engine's own records, so its rules (lock, quorum guard, attempts, halt) apply unchanged:
 *
 * - `reopenAsFailedAttempt`: the finished attempt counts as failed. The completion label goes
 *   and the owner's claim comes back with the attempts made so far; the engine then starts the
 *   next attempt (removing the old Job first), or, with no attempts left, shows the node failed.
 * - `dropCompletion`: the node is simply due again; the engine treats it as never done.
 *
 * Both carry the node's resourceVersion: a concurrent change makes them fail and the next
 * reconcile decides again.
 */
import { CLAIM_ANNOTATION, encodeClaim, type NodeClaim } from "./claim.ts";

export interface ReopenInput {
  /** `<Kind>/<name>` of the owner. */
  owner: string;
  /** Hash of the target the node was finished for. */
  targetHash: string;
  completionLabel: string;
  /** Attempts made for this target, the one that just turned out failed included. */
  attempts: number;
  maxAttempts: number;
  message: string;
  node: { resourceVersion: string; unschedulable: boolean };
  now: number;
}

export function reopenedClaim(input: ReopenInput): NodeClaim {
  return {
    owner: input.owner,
    target: input.targetHash,
    attempts: input.attempts,
    // The engine uncordoned the node when it finished it; a node still cordoned was cordoned by someone else.
    wasUnschedulable: input.node.unschedulable,
    claimedAt: new Date(input.now).toISOString(),
    ...(input.attempts >= input.maxAttempts ? { failed: input.message } : {}),
  };
}

export function reopenAsFailedAttempt(input: ReopenInput): object {
  return {
    metadata: {
      resourceVersion: input.node.resourceVersion,
      labels: { [input.completionLabel]: null },
      annotations: { [CLAIM_ANNOTATION]: encodeClaim(reopenedClaim(input)) },
    },
  };
}

export function dropCompletion(completionLabel: string, resourceVersion: string): object {
  return { metadata: { resourceVersion, labels: { [completionLabel]: null } } };
}
