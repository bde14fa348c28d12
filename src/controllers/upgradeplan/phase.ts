/**
 * The UpgradePlan's PHASE and MESSAGE, pure: derived from the plan's own conditions (PreflightPassed,
 * SnapshotTaken, Paused...) and a few facts of the round. RULES is read top-down and the first rule
 * that matches decides; a new condition maps onto a phase with one `when(...)` line.
 *
 * Blocked: refused until the spec changes (its message says what to change). Waiting: for something
 * that comes by itself (the window, the lock, etcd health, the snapshot storage). Messages hold no
 * value that changes by itself between rounds (no countdowns), so a waiting plan is not rewritten.
 */
import { findCondition, toKubeTime, type Condition, type ConditionStatus } from "../../api/condition.ts";
import { UpgradePlanConditions as C, UpgradePlanReasons as R, type UpgradePhase } from "../../api/upgradeplan.ts";
import type { RolloutSummary } from "../../rollout/types.ts";
import { listNames } from "./preflight.ts";

export interface PhaseFacts {
  /** The plan's conditions as this round sets them (Ready and Progressing excepted: they follow the phase). */
  conditions: readonly Condition[];
  invalid?: string | undefined;
  channelError?: string | undefined;
  target: string | undefined;
  rollout: RolloutSummary | undefined;
  windowOpen: boolean;
  /** Epoch ms; set while the window is closed. */
  nextWindowStart?: number | undefined;
}

export interface PhaseVerdict {
  phase: UpgradePhase;
  /** CamelCase, the Ready condition's reason while not Succeeded. */
  reason: string;
  message: string;
}

type Rule = (facts: PhaseFacts) => PhaseVerdict | undefined;

/** A condition with `status` (and one of `reasons`, when given) puts the plan in `phase`; its message says why. */
export function when(type: string, status: ConditionStatus, phase: UpgradePhase, reasons?: readonly string[]): Rule {
  return (facts) => {
    const found = findCondition(facts.conditions, type);
    if (found?.status !== status || (reasons !== undefined && !reasons.includes(found.reason))) return undefined;
    return { phase, reason: found.reason, message: found.message };
  };
}

/** Nodes in progress (not failed), as `status.currentNodes` lists them. */
export function currentNodeNames(rollout: RolloutSummary | undefined): string | undefined {
  const names = (rollout?.nodes ?? []).filter((node) => node.phase !== "Failed").map((node) => node.name);
  return names.length > 0 ? listNames(names) : undefined;
}

const inProgress = (facts: PhaseFacts): number => facts.rollout?.counts.inProgress ?? 0;

function failedNodes(rollout: RolloutSummary | undefined): string {
  const failed = (rollout?.nodes ?? []).filter((node) => node.phase === "Failed");
  return failed.map((node) => `${node.name}: ${node.message ?? "failed"}`).join("; ") || "a node failed";
}

/** Preflight refusals only a spec change lifts. */
const REFUSALS = [R.SkewNotAllowed, R.PreflightFailed, R.ManagedByRancher];
/** Preflight checks that pass by themselves once the cluster is ready again. */
const TRANSIENT = [R.EtcdUnhealthy, R.DisruptionLockHeld, R.NodesNotReady];

export const RULES: readonly Rule[] = [
  (f) => (f.invalid !== undefined ? { phase: "Blocked", reason: R.InvalidSpec, message: f.invalid } : undefined),
  (f) =>
    f.target === undefined
      ? f.channelError !== undefined
        ? { phase: "Waiting", reason: R.ChannelUnresolved, message: f.channelError }
        : { phase: "Pending", reason: "NoTarget", message: "resolving the target version" }
      : undefined,
  (f) =>
    f.rollout?.halted
      ? {
          phase: "Halted",
          reason: R.Halted,
          message: `${failedNodes(f.rollout)}; set a new spec.failurePolicy.retry to retry`,
        }
      : undefined,
  (f) =>
    f.rollout?.complete && findCondition(f.conditions, C.PreflightPassed)?.status === "True"
      ? {
          phase: "Succeeded",
          reason: R.UpgradeComplete,
          message: `all ${f.rollout.counts.total} selected node(s) run ${f.target ?? ""}`,
        }
      : undefined,
  when(C.Paused, "True", "Paused"),
  when(C.PreflightPassed, "False", "Blocked", REFUSALS),
  when(C.SnapshotTaken, "False", "Blocked", [R.SnapshotPolicyUnusable]),
  (f) =>
    !f.windowOpen && inProgress(f) === 0
      ? {
          phase: "Waiting",
          reason: R.WaitingForWindow,
          message:
            f.nextWindowStart === undefined
              ? "outside the maintenance window"
              : `outside the maintenance window; it opens at ${toKubeTime(f.nextWindowStart)}`,
        }
      : undefined,
  when(C.PreflightPassed, "False", "Waiting", TRANSIENT),
  when(C.SnapshotTaken, "False", "Waiting", [R.StorageUnavailable, R.SnapshotFailed]),
  when(C.SnapshotTaken, "False", "Upgrading", [R.SnapshotInProgress]),
  (f) => {
    const waiting = f.rollout?.waiting;
    if (waiting === undefined || waiting.reason === "StartNotAllowed" || inProgress(f) > 0) return undefined;
    return { phase: "Waiting", reason: waiting.reason, message: waiting.message };
  },
];

export function planVerdict(facts: PhaseFacts): PhaseVerdict {
  for (const rule of RULES) {
    const verdict = rule(facts);
    if (verdict) return verdict;
  }
  const nodes = currentNodeNames(facts.rollout);
  const counts = facts.rollout?.counts;
  const done = counts ? `${counts.done}/${counts.total} at ${facts.target ?? ""}` : "starting";
  return { phase: "Upgrading", reason: R.Upgrading, message: nodes ? `upgrading ${nodes}; ${done}` : done };
}
