/**
 * `rke2-lifecycle plan approve <plan> <tier>`: adds the tier to spec.approval.approved, so the
 * rollout starts that tier (docs/upgrades.md "Approval between tiers"). Same field a GitOps
 * commit writes; the patch carries the resourceVersion read, so a concurrent edit is not lost.
 */
import { ROLLOUT_TIERS } from "../api/rollout-gates.ts";
import type { UpgradePlan } from "../api/upgradeplan.ts";

export type ApprovableTier = (typeof ROLLOUT_TIERS)[number];

export function isTier(value: string): value is ApprovableTier {
  return (ROLLOUT_TIERS as readonly string[]).includes(value);
}

interface ApprovalField {
  tiers?: string[];
  approved?: string[];
}

function approvalOf(plan: UpgradePlan): ApprovalField {
  return (plan.spec as { approval?: ApprovalField }).approval ?? {};
}

/** The merge patch approving `tier`, or undefined when there is nothing to write. */
export function approvePatch(plan: UpgradePlan, tier: ApprovableTier): object | undefined {
  const approval = approvalOf(plan);
  const approved = approval.approved ?? [];
  if (!(approval.tiers ?? []).includes(tier) || approved.includes(tier)) return undefined;
  return {
    metadata: { resourceVersion: plan.metadata.resourceVersion },
    spec: { approval: { approved: [...approved, tier] } },
  };
}

export function approveOutcome(plan: UpgradePlan, tier: ApprovableTier, written: boolean): string {
  const name = `upgradeplan/${plan.metadata.name}`;
  const approval = approvalOf(plan);
  if (written) {
    const approved = [...(approval.approved ?? []), tier].join(", ");
    return `${name}: the ${tier} tier is approved (spec.approval.approved: ${approved})`;
  }
  if ((approval.approved ?? []).includes(tier)) return `${name}: the ${tier} tier is already approved (no change)`;
  const asked = (approval.tiers ?? []).join(", ") || "none";
  return `${name}: the ${tier} tier does not wait for approval (spec.approval.tiers: ${asked}); nothing written`;
}
