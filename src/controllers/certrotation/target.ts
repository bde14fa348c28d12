/**
 * Which rollout target a CertRotation works towards, pure. The rollout engine brings nodes to
 * one target and labels each done node with the target's hash; for certificates there are two:
 *
 * - `renew`: the steady state. A node is "satisfied" (labelled without being touched) while no
 *   leaf certificate of it is inside renewBefore; one that is gets rotated. When a done node's
 *   certificates come due again (a year later), the controller removes its label and the engine
 *   rotates it again under the same target.
 * - `trigger:<value>`: while spec.trigger differs from status.lastTrigger, every selected node is
 *   rotated once; status.lastTrigger takes the value when all are done and confirmed.
 *
 * A node already in progress finishes under the target it started with (its claim names it), and
 * nothing new starts meanwhile; only then does the rollout switch. A failed node halts the
 * rollout until the trigger changes, which retargets (and so retries) it.
 */
import { targetHash } from "../../rollout/claim.ts";

export const RENEW_TARGET = "renew";

export function triggerTarget(trigger: string): string {
  return `trigger:${trigger}`;
}

export interface DesiredTarget {
  target: string;
  triggerPending: boolean;
}

export function desiredTarget(trigger: string | undefined, lastTrigger: string | undefined): DesiredTarget {
  if (trigger !== undefined && trigger !== lastTrigger) return { target: triggerTarget(trigger), triggerPending: true };
  return { target: RENEW_TARGET, triggerPending: false };
}

export interface ClaimView {
  /** The claim's target hash. */
  target: string;
  failed: boolean;
}

export interface ChosenTarget {
  target: string;
  /** Finishing work of an earlier target: no new node may start this round. */
  pinned: boolean;
}

/**
 * `claims`: this CertRotation's claims on nodes. `known`: target strings the claims may carry
 * (the hash cannot be reversed): the desired one, `renew`, and the current and last trigger.
 */
export function chooseTarget(desired: string, claims: readonly ClaimView[], known: readonly string[]): ChosenTarget {
  const desiredHash = targetHash(desired);
  const inProgress = claims.filter((claim) => !claim.failed && claim.target !== desiredHash);
  if (inProgress.length === 0) return { target: desired, pinned: false };
  for (const candidate of known) {
    const hash = targetHash(candidate);
    if (inProgress.some((claim) => claim.target === hash)) return { target: candidate, pinned: true };
  }
  // A target we cannot name any more (the operator was down across two changes): the engine
  // retargets the node, removing its old Job first.
  return { target: desired, pinned: false };
}

/** Target strings a claim of this CertRotation may carry. */
export function knownTargets(trigger: string | undefined, lastTrigger: string | undefined): string[] {
  const targets = [RENEW_TARGET];
  if (trigger !== undefined) targets.push(triggerTarget(trigger));
  if (lastTrigger !== undefined && lastTrigger !== trigger) targets.push(triggerTarget(lastTrigger));
  return targets;
}
