/**
 * The UpgradePlan's status, pure: phase, conditions and the small, bounded fields of
 * docs/upgrades.md "Status".
 * Only in-progress and failed nodes are listed (at most MAX_STATUS_NODES); completion lives on
 * the Nodes as labels, so the status stays the same size at 7 nodes and at 5,000.
 */
import { findCondition, setCondition, toKubeTime, type Condition, type ConditionStatus } from "../../api/condition.ts";
import {
  UpgradePlanConditions as C,
  UpgradePlanReasons as R,
  type UpgradeNodePhase,
  type UpgradePlanStatus,
} from "../../api/upgradeplan.ts";
import type { RolloutSummary, StatusNode } from "../../rollout/types.ts";
import { currentNodeNames, planVerdict, type PhaseVerdict } from "./phase.ts";
import { snapshotReason, type PreflightCheck, type SnapshotProgress } from "./preflight.ts";
import type { OutlookMode } from "../rollout-outlook.ts";

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
  /** Epoch ms the window opens next, while it is closed. */
  nextWindowStart?: number | undefined;
  /** `<Kind>/<name>` holding the disruption lock, when any. */
  lockHolder?: string | undefined;
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

interface ConditionValue {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Ready says how far the upgrade is; why it is not done is the phase's reason and status.message. */
function readyCondition(input: StatusInput, verdict: PhaseVerdict): ConditionValue {
  if (verdict.phase === "Succeeded") return { status: "True", reason: verdict.reason, message: verdict.message };
  // No other condition tells these: Ready carries them.
  if (verdict.reason === R.InvalidSpec || verdict.reason === R.ChannelUnresolved)
    return { status: "False", reason: verdict.reason, message: verdict.message };
  const counts = input.rollout?.counts;
  const message = counts ? `${counts.done}/${counts.total} selected node(s) at ${input.target ?? ""}` : "not started";
  return { status: "False", reason: verdict.reason, message };
}

/** Progressing: nodes (or the pre-upgrade snapshot) are being worked on now; else what the rollout waits for. */
function progressingCondition(input: StatusInput, verdict: PhaseVerdict): ConditionValue {
  const busy = (input.rollout?.counts.inProgress ?? 0) > 0;
  const waiting = input.rollout?.waiting?.reason === "StartNotAllowed" ? undefined : input.rollout?.waiting;
  if (verdict.phase !== "Upgrading" && !busy)
    return waiting && verdict.reason === waiting.reason
      ? { status: "False", reason: waiting.reason, message: waiting.message }
      : { status: "False", reason: verdict.reason, message: "no node is being worked on" };
  if (waiting) return { status: "True", reason: waiting.reason, message: waiting.message };
  const nodes = currentNodeNames(input.rollout);
  if (nodes !== undefined) return { status: "True", reason: R.Upgrading, message: `working on ${nodes}` };
  if (verdict.reason === R.SnapshotInProgress)
    return { status: "True", reason: verdict.reason, message: "taking the pre-upgrade snapshot" };
  return { status: "True", reason: verdict.reason, message: "starting the next node" };
}

/** Refusals that are Degraded too (alerted on): Rancher's ownership is meant, not a fault. */
const DEGRADED_REFUSALS: readonly string[] = [
  R.InvalidSpec,
  R.SkewNotAllowed,
  R.PreflightFailed,
  R.SnapshotPolicyUnusable,
];

/**
 * Degraded: something failed (a node, the pre-upgrade snapshot) or the spec cannot be carried out
 * (Blocked, an unresolvable channel). Its message says which; status.message and the condition of
 * the failing check say why, so nothing is repeated here.
 */
function degradedCondition(
  input: StatusInput,
  conditions: readonly Condition[],
  verdict: PhaseVerdict,
): ConditionValue {
  if (DEGRADED_REFUSALS.includes(verdict.reason))
    return { status: "True", reason: verdict.reason, message: "refused until the spec changes (see status.message)" };
  if (verdict.reason === R.ChannelUnresolved)
    return { status: "True", reason: verdict.reason, message: "the target cannot be resolved from spec.channel" };
  if (input.rollout?.halted) {
    const failed = input.rollout.nodes.filter((node) => node.phase === "Failed").map((node) => node.name);
    return { status: "True", reason: R.Halted, message: `failed node(s): ${failed.join(", ") || "unknown"}` };
  }
  if (findCondition(conditions, C.SnapshotTaken)?.reason === R.SnapshotFailed)
    return { status: "True", reason: R.SnapshotFailed, message: "the last pre-upgrade snapshot attempt failed" };
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
  const failing = preflight.checks.find((check) => !check.passed);
  const passed: ConditionValue = {
    status: preflight.passed ? "True" : "False",
    reason: preflight.reason,
    message:
      failing === undefined
        ? `passed for ${input.target ?? ""}`
        : failing.name === "Snapshot"
          ? "every check passed; the pre-upgrade snapshot is not verified yet"
          : `${failing.name}: ${failing.message}`,
  };
  const snap = preflight.snapshot;
  const snapshot: ConditionValue = !input.snapshotRequired
    ? { status: "True", reason: R.SnapshotNotRequired, message: "snapshot.required is false" }
    : snap?.state === "Verified"
      ? { status: "True", reason: R.SnapshotSucceeded, message: snap.message }
      : snap === undefined
        ? { status: "False", reason: R.SnapshotInProgress, message: "waiting for the other preflight checks" }
        : { status: "False", reason: snapshotReason(snap), message: snap.message };
  return { passed, snapshot };
}

/** The preview before the rollout started and while it is paused; the ETA while it upgrades. */
export function outlookMode(
  paused: boolean,
  releasing: boolean,
  status: Pick<UpgradePlanStatus, "phase" | "startedAt" | "conditions">,
): OutlookMode {
  if (releasing || status.phase === "Succeeded") return "none";
  if (paused || (status.startedAt === undefined && status.phase !== "Halted")) return "preview";
  // A tier soak ends by itself at a known time; an approval or a blocker does not.
  const soaking = status.phase === "Waiting" && findCondition(status.conditions, C.Progressing)?.reason === "TierSoak";
  return status.phase === "Upgrading" || soaking ? "eta" : "none";
}

export function nextStatus(input: StatusInput): UpgradePlanStatus {
  const { previous, now, generation, rollout } = input;
  const sameTarget = previous.targetVersion === input.target;
  let conditions = previous.conditions ?? [];
  const put = (type: string, value: ConditionValue): void => {
    conditions = setCondition(
      conditions,
      { type, ...value, message: clip(value.message), observedGeneration: generation },
      now,
    );
  };
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
  const verdict = planVerdict({
    conditions,
    invalid: input.invalid,
    channelError: input.channelError,
    target: input.target,
    rollout,
    windowOpen: input.windowOpen,
    nextWindowStart: input.nextWindowStart,
  });
  const phase = verdict.phase;
  put(C.Degraded, degradedCondition(input, conditions, verdict));
  put(C.Ready, readyCondition(input, verdict));
  put(C.Progressing, progressingCondition(input, verdict));
  const currentNodes = currentNodeNames(rollout);

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
    message: clip(verdict.message),
    ...(phase === "Waiting" && verdict.reason === R.WaitingForWindow && input.nextWindowStart !== undefined
      ? { nextWindowStart: toKubeTime(input.nextWindowStart) }
      : {}),
    ...(currentNodes !== undefined ? { currentNodes } : {}),
    ...(input.lockHolder !== undefined ? { lockHolder: input.lockHolder } : {}),
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
