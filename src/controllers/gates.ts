/**
 * The tier gates as UpgradePlan and CertRotation show and feed them, pure: the engine's gates
 * from a spec and the previous status, the AwaitingApproval and Blocked conditions, the soak mark
 * for the status, and the events of their transitions (docs/upgrades.md "Approval between tiers").
 */
import { findCondition, setCondition, toKubeTime, type Condition, type ConditionStatus } from "../api/condition.ts";
import { durationToMs } from "../api/duration.ts";
import { GateConditions, GateReasons, type Approval, type TierSoakStatus } from "../api/rollout-gates.ts";
import type { HoldingBlocker, RolloutGates, RolloutSummary, SoakMark } from "../rollout/types.ts";
import { describeBlockers } from "../rollout/tier-gates.ts";

export interface GateSpec {
  approval?: Approval;
  tierSoak?: string | undefined;
}

export function rolloutGates(
  spec: GateSpec,
  soak: TierSoakStatus,
  blockers: readonly HoldingBlocker[] | undefined,
): RolloutGates {
  return {
    approval: spec.approval && spec.approval.tiers.length > 0 ? spec.approval : undefined,
    blockers,
    tierSoakMs: spec.tierSoak === undefined ? 0 : (durationToMs(spec.tierSoak) ?? 0),
    soak: soakMarkOf(soak),
  };
}

export function soakMarkOf(status: TierSoakStatus): SoakMark | undefined {
  if (status === undefined) return undefined;
  const since = status.healthySince === undefined ? Number.NaN : Date.parse(status.healthySince);
  return {
    tier: status.tier,
    ...(Number.isFinite(since) ? { healthySinceMs: since } : {}),
    ...(status.passed === true ? { passed: true } : {}),
  };
}

export function soakStatusOf(mark: SoakMark | undefined): TierSoakStatus {
  if (mark === undefined) return undefined;
  return {
    tier: mark.tier,
    ...(mark.healthySinceMs !== undefined ? { healthySince: toKubeTime(mark.healthySinceMs) } : {}),
    ...(mark.passed === true ? { passed: true } : {}),
  };
}

export interface GateConditionValue {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/**
 * AwaitingApproval and Blocked for this round. Without a rollout (paused before preflight, an
 * invalid spec) the previous verdicts are kept: nothing was evaluated.
 */
export function gateConditions(rollout: RolloutSummary | undefined, previous: readonly Condition[] | undefined) {
  const keep = (type: string): GateConditionValue | undefined => {
    const old = findCondition(previous, type);
    return old && { type, status: old.status, reason: old.reason, message: old.message };
  };
  if (rollout === undefined) return [keep(GateConditions.AwaitingApproval), keep(GateConditions.Blocked)];
  const tier = rollout.complete ? undefined : rollout.awaitingApproval;
  const blockers = rollout.blockers ?? [];
  const approval: GateConditionValue =
    tier !== undefined
      ? {
          type: GateConditions.AwaitingApproval,
          status: "True",
          reason: GateReasons.AwaitingApproval,
          message: `the ${tier} tier waits for approval: add ${tier} to spec.approval.approved`,
        }
      : {
          type: GateConditions.AwaitingApproval,
          status: "False",
          reason: GateReasons.Approved,
          message: "no tier waits for approval",
        };
  const blocked: GateConditionValue =
    blockers.length > 0
      ? {
          type: GateConditions.Blocked,
          status: "True",
          reason: GateReasons.BlockerHolding,
          message: describeBlockers(blockers),
        }
      : { type: GateConditions.Blocked, status: "False", reason: GateReasons.NoBlocker, message: "no blocker holds" };
  return [approval, blocked];
}

interface GatedStatus {
  conditions?: Condition[] | undefined;
  tierSoak?: TierSoakStatus;
}

/** The status with the gate conditions and the soak mark of this round set. */
export function withGates<S extends GatedStatus>(
  status: S,
  rollout: RolloutSummary | undefined,
  previousSoak: TierSoakStatus,
  now: number,
  generation: number,
): S {
  let conditions = status.conditions ?? [];
  for (const value of gateConditions(rollout, conditions)) {
    if (value) conditions = setCondition(conditions, { ...value, observedGeneration: generation }, now);
  }
  const tierSoak = rollout ? soakStatusOf(rollout.soak) : previousSoak;
  const { tierSoak: _old, ...rest } = status;
  return { ...rest, conditions, ...(tierSoak ? { tierSoak } : {}) } as S;
}

export interface GateEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

/** An event when a tier starts waiting for approval, and when a blocker set starts or stops holding. */
export function gateEvents(before: readonly Condition[] | undefined, after: readonly Condition[] | undefined) {
  const events: GateEvent[] = [];
  const approval = findCondition(after, GateConditions.AwaitingApproval);
  const approvalBefore = findCondition(before, GateConditions.AwaitingApproval);
  if (approval?.status === "True" && approvalBefore?.message !== approval.message)
    events.push({ type: "Normal", reason: GateReasons.AwaitingApproval, message: approval.message });
  if (approval?.status === "False" && approvalBefore?.status === "True")
    events.push({
      type: "Normal",
      reason: GateReasons.Approved,
      message: `approved: ${approvalBefore.message.replace(/ waits for approval.*$/, "")} may start`,
    });
  const blocked = findCondition(after, GateConditions.Blocked);
  const blockedBefore = findCondition(before, GateConditions.Blocked);
  if (blocked?.status === "True" && blockedBefore?.message !== blocked.message)
    events.push({ type: "Warning", reason: GateReasons.BlockerHolding, message: blocked.message });
  if (blocked?.status === "False" && blockedBefore?.status === "True")
    events.push({ type: "Normal", reason: "BlockersCleared", message: "no blocker holds any more" });
  return events;
}
