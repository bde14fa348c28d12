/**
 * The UpgradePlan's status, pure: phase, conditions and the small, bounded fields of
 * docs/upgrades.md "Status".
 * Only in-progress and failed nodes are listed (at most MAX_STATUS_NODES); completion lives on
 * the Nodes as labels, so the status stays the same size at 7 nodes and at 5,000.
 */
import { setCondition, toKubeTime, type Condition, type ConditionStatus } from "../../api/condition.ts";
import {
  UpgradePlanConditions as C,
  UpgradePlanReasons as R,
  type UpgradeNodePhase,
  type UpgradePhase,
  type UpgradePlanStatus,
} from "../../api/upgradeplan.ts";
import type { RolloutSummary, StatusNode } from "../../rollout/types.ts";
import type { OutlookMode } from "../rollout-outlook.ts";
import type { PreflightCheck, SnapshotProgress } from "./preflight.ts";

/** Preflight this round: passed for this target before, just evaluated, or not run (paused, window closed). */
export type PreflightOutcome =
  | { state: "passedBefore" }
  | {
      state: "evaluated";
      checks: PreflightCheck[];
      passed: boolean;
      reason: string;
      snapshot: SnapshotProgress | undefined;
    }
  | { state: "deferred" };

export interface StatusInput {
  now: number;
  generation: number;
  previous: UpgradePlanStatus;
  invalid?: string;
  channelError?: string;
  target: string | undefined;
  paused: boolean;
  windowOpen: boolean;
  snapshotRequired: boolean;
  preflight: PreflightOutcome;
  rollout: RolloutSummary | undefined;
  lastRetry: string | undefined;
}

const MAX_MESSAGE = 1024;
const clip = (text: string): string => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text);

const NODE_PHASES: Record<StatusNode["phase"], UpgradeNodePhase> = {
  Waiting: "Waiting",
  Draining: "Draining",
  Running: "Upgrading",
  WaitingHealthy: "WaitingHealthy",
  Failed: "Failed",
};

export function preflightOk(input: Pick<StatusInput, "preflight">): boolean {
  return input.preflight.state === "passedBefore" || (input.preflight.state === "evaluated" && input.preflight.passed);
}

export function planPhase(input: StatusInput): UpgradePhase {
  if (input.invalid !== undefined || input.target === undefined) return "Pending";
  const rollout = input.rollout;
  if (rollout?.halted) return "Halted";
  if (rollout?.complete && preflightOk(input)) return "Succeeded";
  if (input.paused) return "Paused";
  if (!preflightOk(input)) {
    if (!input.windowOpen) return "WaitingForWindow";
    const failing =
      input.preflight.state === "evaluated" ? input.preflight.checks.find((check) => !check.passed) : undefined;
    return failing?.name === "Snapshot" ? "Snapshotting" : "Preflight";
  }
  if (!input.windowOpen && (rollout?.counts.inProgress ?? 0) === 0) return "WaitingForWindow";
  return "Upgrading";
}

interface ConditionValue {
  status: ConditionStatus;
  reason: string;
  message: string;
}

function readyCondition(input: StatusInput, phase: UpgradePhase): ConditionValue {
  const rollout = input.rollout;
  if (input.invalid !== undefined) return { status: "False", reason: R.InvalidSpec, message: input.invalid };
  if (input.channelError !== undefined)
    return { status: "False", reason: R.ChannelUnresolved, message: input.channelError };
  if (phase === "Succeeded")
    return {
      status: "True",
      reason: R.UpgradeComplete,
      message: `all ${rollout?.counts.total ?? 0} selected node(s) run ${input.target ?? ""}`,
    };
  const progress = rollout
    ? `${rollout.counts.done}/${rollout.counts.total} nodes at ${input.target ?? ""}`
    : "not started";
  if (phase === "Halted") return { status: "False", reason: R.Halted, message: `halted: ${failedNodes(rollout)}` };
  if (phase === "Preflight" || phase === "Snapshotting") {
    const reason = input.preflight.state === "evaluated" ? input.preflight.reason : R.PreflightFailed;
    return { status: "False", reason, message: firstFailure(input) ?? progress };
  }
  const reasons: Partial<Record<UpgradePhase, string>> = { Paused: R.Paused, WaitingForWindow: R.WaitingForWindow };
  return { status: "False", reason: reasons[phase] ?? R.Upgrading, message: progress };
}

function failedNodes(rollout: RolloutSummary | undefined): string {
  const failed = (rollout?.nodes ?? []).filter((node) => node.phase === "Failed");
  return failed.map((node) => `${node.name}: ${node.message ?? "failed"}`).join("; ") || "a node failed";
}

function firstFailure(input: StatusInput): string | undefined {
  if (input.preflight.state !== "evaluated") return undefined;
  const failing = input.preflight.checks.find((check) => !check.passed);
  return failing && `${failing.name}: ${failing.message}`;
}

function progressingCondition(input: StatusInput, phase: UpgradePhase, ready: ConditionValue): ConditionValue {
  if (phase === "Upgrading") {
    const waiting = input.rollout?.waiting;
    if (waiting) return { status: "True", reason: waiting.reason, message: waiting.message };
    return { status: "True", reason: R.Upgrading, message: ready.message };
  }
  if (phase === "Preflight" || phase === "Snapshotting")
    return { status: "True", reason: ready.reason, message: ready.message };
  return { status: "False", reason: ready.reason, message: ready.message };
}

function degradedCondition(input: StatusInput, phase: UpgradePhase, ready: ConditionValue): ConditionValue {
  const problem = [R.InvalidSpec, R.ChannelUnresolved, R.SkewNotAllowed, R.SnapshotFailed].includes(
    ready.reason as never,
  );
  if (phase === "Halted" || problem) return { status: "True", reason: ready.reason, message: ready.message };
  return { status: "False", reason: "AsExpected", message: "no failures" };
}

function preflightConditions(
  input: StatusInput,
  previous: readonly Condition[],
): { passed: ConditionValue; snapshot: ConditionValue } | undefined {
  const { preflight } = input;
  if (preflight.state === "passedBefore") return undefined;
  if (preflight.state === "deferred") {
    const sameTarget =
      input.previous.targetVersion === input.target && previous.some((c) => c.type === C.PreflightPassed);
    if (sameTarget) return undefined;
    const waiting = {
      status: "Unknown" as const,
      reason: "NotStarted",
      message: "preflight runs when the plan is not paused and its window is open",
    };
    return { passed: waiting, snapshot: { ...waiting, message: "taken during preflight" } };
  }
  const passed = {
    status: preflight.passed ? ("True" as const) : ("False" as const),
    reason: preflight.reason,
    message: preflight.passed ? `passed for ${input.target ?? ""}` : (firstFailure(input) ?? ""),
  };
  const snap = preflight.snapshot;
  const snapshot: ConditionValue = !input.snapshotRequired
    ? { status: "True", reason: R.SnapshotNotRequired, message: "snapshot.required is false" }
    : snap?.state === "Verified"
      ? { status: "True", reason: R.SnapshotSucceeded, message: snap.message }
      : snap?.state === "Failed"
        ? { status: "False", reason: R.SnapshotFailed, message: snap.message }
        : {
            status: "False",
            reason: "SnapshotInProgress",
            message: snap?.message ?? "waiting for the other preflight checks",
          };
  return { passed, snapshot };
}

/** The preview before the rollout started and while it is paused; the ETA while it upgrades. */
export function outlookMode(
  paused: boolean,
  releasing: boolean,
  status: Pick<UpgradePlanStatus, "phase" | "startedAt">,
): OutlookMode {
  if (releasing || status.phase === "Succeeded") return "none";
  if (paused || (status.startedAt === undefined && status.phase !== "Halted")) return "preview";
  return status.phase === "Upgrading" ? "eta" : "none";
}

export function nextStatus(input: StatusInput): UpgradePlanStatus {
  const { previous, now, generation, rollout } = input;
  const phase = planPhase(input);
  const sameTarget = previous.targetVersion === input.target;
  let conditions = previous.conditions ?? [];
  const put = (type: string, value: ConditionValue): void => {
    conditions = setCondition(
      conditions,
      { type, ...value, message: clip(value.message), observedGeneration: generation },
      now,
    );
  };
  const ready = readyCondition(input, phase);
  put(C.Ready, ready);
  put(C.Progressing, progressingCondition(input, phase, ready));
  put(C.Degraded, degradedCondition(input, phase, ready));
  const pre = preflightConditions(input, conditions);
  if (pre) {
    put(C.PreflightPassed, pre.passed);
    put(C.SnapshotTaken, pre.snapshot);
  } else {
    // Unchanged verdicts still describe this generation.
    conditions = conditions.map((c) =>
      c.type === C.PreflightPassed || c.type === C.SnapshotTaken ? { ...c, observedGeneration: generation } : c,
    );
  }
  put(
    C.Paused,
    input.paused
      ? { status: "True", reason: R.Paused, message: "spec.paused is true: no node starts" }
      : { status: "False", reason: "NotPaused", message: "not paused" },
  );

  const evaluated = input.preflight.state === "evaluated" ? input.preflight : undefined;
  const snapshot =
    evaluated?.snapshot?.state === "Verified" && evaluated.snapshot.snapshot
      ? evaluated.snapshot.snapshot
      : sameTarget
        ? previous.snapshot
        : undefined;
  const checks = evaluated?.checks ?? (sameTarget ? previous.preflight : undefined);
  const startedAt =
    sameTarget && previous.startedAt !== undefined
      ? previous.startedAt
      : phase === "Upgrading"
        ? toKubeTime(now)
        : undefined;
  const completedAt =
    phase === "Succeeded"
      ? sameTarget && previous.completedAt !== undefined
        ? previous.completedAt
        : toKubeTime(now)
      : undefined;
  const counts = rollout?.counts;
  return {
    observedGeneration: generation,
    ...(input.target !== undefined
      ? { targetVersion: input.target }
      : previous.targetVersion !== undefined
        ? { targetVersion: previous.targetVersion }
        : {}),
    phase,
    // A tier is "being upgraded" only once preflight let the rollout start.
    tier: rollout && preflightOk(input) && phase !== "Succeeded" ? rollout.tier : "",
    ...(counts
      ? {
          progress: `${counts.done}/${counts.total}`,
          counts: {
            total: counts.total,
            upgraded: counts.done,
            inProgress: counts.inProgress,
            pending: counts.pending,
            failed: counts.failed,
          },
        }
      : {}),
    ...(rollout && rollout.nodes.length > 0
      ? {
          nodes: rollout.nodes.map((node) => ({
            ...node,
            phase: NODE_PHASES[node.phase],
            ...(node.message !== undefined ? { message: clip(node.message) } : {}),
          })),
        }
      : {}),
    ...(checks
      ? {
          preflight: checks.map((check) => ({
            ...check,
            ...(check.message !== undefined ? { message: clip(check.message) } : {}),
          })),
        }
      : {}),
    ...(snapshot ? { snapshot } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(completedAt !== undefined ? { completedAt } : {}),
    ...(input.lastRetry !== undefined ? { lastRetry: input.lastRetry } : {}),
    conditions,
  };
}
