/**
 * Retention as a policy's spec asks for it: the spec's fields, RKE2's records with the integrity
 * verdicts carried onto them (./integrity-book.ts), and the UpgradePlans whose pre-upgrade
 * snapshots the policy holds, turned into one call of the pure `selectSnapshotsToDelete`. Pure.
 */
import { durationToMs } from "../../api/duration.ts";
import type { EtcdSnapshotPolicySpec, NotVerifiedSnapshot } from "../../api/etcdsnapshotpolicy.ts";
import { carryIntegrity, notVerifiedList, type PreviousVerdicts } from "./integrity-book.ts";
import type { RecordedSnapshot } from "./records.ts";
import {
  groupSnapshotEvents,
  isPolicySnapshot,
  preUpgradeSnapshotPrefix,
  SAME_EVENT_WINDOW_MS,
  selectSnapshotsToDelete,
  type PolicySnapshot,
  type PreUpgradeHold,
  type RetentionDecision,
} from "./retention.ts";

export interface PolicyRetentionInput {
  policyName: string;
  spec: EtcdSnapshotPolicySpec;
  records: readonly RecordedSnapshot[];
  /** Copies whose runs were evaluated in this reconcile, with their integrity verdicts. */
  checkedCopies: readonly PolicySnapshot[];
  /** The status written before: the verdicts of earlier runs. */
  previous: PreviousVerdicts;
  /** The last snapshot the operator verified: never pruned. */
  lastVerified: string | undefined;
  preUpgradePlans: readonly PreUpgradeHold[];
  now: number;
}

export interface PolicyRetention extends RetentionDecision<RecordedSnapshot> {
  /** Events kept (what status.snapshotCount says). */
  keptEvents: number;
  /** status.notVerified. */
  notVerified: NotVerifiedSnapshot[];
  /** When the next pre-upgrade hold of a succeeded plan runs out: look again then. */
  wakeAt: number | undefined;
}

export function policyRetention(input: PolicyRetentionInput): PolicyRetention {
  const { spec } = input;
  const { retention } = spec;
  const maxAgeMs = retention.maxAge === undefined ? undefined : durationToMs(retention.maxAge);
  const protectForMs =
    retention.protectPreUpgradeFor === undefined ? undefined : durationToMs(retention.protectPreUpgradeFor);
  // Without protectPreUpgradeFor the policy never judges pre-upgrade snapshots.
  const plans = protectForMs === undefined ? [] : input.preUpgradePlans;
  const ours = input.records.filter(
    (record) =>
      isPolicySnapshot(input.policyName, record) ||
      plans.some((plan) => isPolicySnapshot(preUpgradeSnapshotPrefix(plan.planName), record)),
  );
  const sameEventWindowMs = spec.nodes === "AllEtcdNodes" ? SAME_EVENT_WINDOW_MS : 0;
  const judged = carryIntegrity(ours, input.checkedCopies, input.previous);
  const decision = selectSnapshotsToDelete({
    policyName: input.policyName,
    snapshots: judged,
    count: retention.count,
    maxAgeMs,
    now: input.now,
    protect: input.lastVerified === undefined ? [] : [input.lastVerified],
    sameEventWindowMs,
    gfs: { daily: retention.keepDaily, weekly: retention.keepWeekly, monthly: retention.keepMonthly },
    preUpgrade: { plans, protectForMs: protectForMs ?? 0 },
  });
  return {
    ...decision,
    keptEvents: groupSnapshotEvents(decision.keep, sameEventWindowMs).length,
    notVerified: notVerifiedList(judged),
    wakeAt: holdsEndAt(plans, protectForMs ?? 0, input.now),
  };
}

function holdsEndAt(plans: readonly PreUpgradeHold[], protectForMs: number, now: number): number | undefined {
  const ends = plans.flatMap((plan) =>
    plan.succeededAt !== undefined && plan.succeededAt + protectForMs > now ? [plan.succeededAt + protectForMs] : [],
  );
  return ends.length === 0 ? undefined : Math.min(...ends);
}
