/**
 * Events for the plan-level transitions a person cares about, pure: derived by comparing the
 * status before and after a round, so a condition that stays the same raises nothing, however
 * often the plan is reconciled. Node-level events (started, done, drain blocked, failed) come
 * from the rollout engine.
 */
import { findCondition } from "../../api/condition.ts";
import { UpgradePlanConditions as C, UpgradePlanReasons as R, type UpgradePlanStatus } from "../../api/upgradeplan.ts";
import type { RolloutEvent } from "../../rollout/types.ts";

export interface PlanEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

const WAIT_REASONS: readonly string[] = [R.EtcdUnhealthy, R.DisruptionLockHeld];

export function transitionEvents(before: UpgradePlanStatus, after: UpgradePlanStatus): PlanEvent[] {
  const events: PlanEvent[] = [];
  const changed = (type: string): { now: NonNullable<ReturnType<typeof findCondition>> } | undefined => {
    const old = findCondition(before.conditions, type);
    const now = findCondition(after.conditions, type);
    if (!now || (old?.status === now.status && old.reason === now.reason)) return undefined;
    return { now };
  };

  const preflight = changed(C.PreflightPassed);
  if (preflight?.now.status === "True")
    events.push({
      type: "Normal",
      reason: R.PreflightSucceeded,
      message: `preflight passed for ${after.targetVersion ?? ""}`,
    });
  else if (preflight?.now.status === "False" && preflight.now.reason !== "SnapshotInProgress")
    events.push({ type: "Warning", reason: preflight.now.reason, message: preflight.now.message });

  const snapshot = changed(C.SnapshotTaken);
  if (snapshot?.now.reason === R.SnapshotSucceeded)
    events.push({
      type: "Normal",
      reason: R.SnapshotSucceeded,
      message: `pre-upgrade snapshot ${after.snapshot?.name ?? ""}: ${snapshot.now.message}`,
    });
  else if (snapshot?.now.reason === R.SnapshotFailed)
    events.push({ type: "Warning", reason: R.SnapshotFailed, message: snapshot.now.message });

  const ready = changed(C.Ready);
  if (ready?.now.reason === R.InvalidSpec || ready?.now.reason === R.ChannelUnresolved)
    events.push({ type: "Warning", reason: ready.now.reason, message: ready.now.message });

  const progressing = changed(C.Progressing);
  if (progressing && WAIT_REASONS.includes(progressing.now.reason)) {
    events.push({ type: "Warning", reason: progressing.now.reason, message: progressing.now.message });
  }

  if (before.targetVersion !== undefined && after.targetVersion !== before.targetVersion) {
    events.push({
      type: "Normal",
      reason: "TargetChanged",
      message: `target changed from ${before.targetVersion} to ${after.targetVersion ?? ""}`,
    });
  }
  if (after.phase !== before.phase) {
    switch (after.phase) {
      case "Succeeded":
        events.push({
          type: "Normal",
          reason: R.UpgradeComplete,
          message: findCondition(after.conditions, C.Ready)?.message ?? "upgrade complete",
        });
        break;
      case "Halted":
        events.push({ type: "Warning", reason: R.Halted, message: after.message ?? "halted" });
        break;
      case "Paused":
        events.push({ type: "Normal", reason: R.Paused, message: "paused: no node starts; nodes in progress finish" });
        break;
      case "Waiting":
        if (findCondition(after.conditions, C.Ready)?.reason === R.WaitingForWindow)
          events.push({
            type: "Normal",
            reason: R.WaitingForWindow,
            message: after.message ?? "outside the maintenance window: no node starts until it opens",
          });
        break;
      case "Upgrading":
        events.push({ type: "Normal", reason: R.Upgrading, message: `upgrading to ${after.targetVersion ?? ""}` });
        break;
      default:
        break;
    }
  }
  return events;
}

/** The engine's node events use its own reasons; a few map onto the API's names. */
export function nodeEvent(event: RolloutEvent): PlanEvent {
  const reasons: Partial<Record<RolloutEvent["reason"], string>> = {
    NodeFailed: R.NodeFailed,
    DrainBlocked: R.DrainBlocked,
    EtcdUnhealthy: R.EtcdUnhealthy,
  };
  return { type: event.type, reason: reasons[event.reason] ?? event.reason, message: event.message };
}
