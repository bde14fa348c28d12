/**
 * Events on the CertRotation for what a person cares about, pure: derived by comparing the status
 * before and after a round (so an unchanged condition raises nothing however often the object is
 * reconciled), plus the rollout engine's node events and the inventory's verdicts on rotations.
 */
import { findCondition } from "../../api/condition.ts";
import {
  CertRotationConditions as C,
  CertRotationReasons as R,
  type CertRotationStatus,
} from "../../api/certrotation.ts";
import type { RolloutEvent } from "../../rollout/types.ts";
import type { RoundPlan } from "./decide.ts";

export interface CertEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
}

const WAIT_REASONS: readonly string[] = ["EtcdUnhealthy", "DisruptionLockHeld", "DrainBlocked"];

export function transitionEvents(before: CertRotationStatus, after: CertRotationStatus): CertEvent[] {
  const events: CertEvent[] = [];
  const changed = (type: string): NonNullable<ReturnType<typeof findCondition>> | undefined => {
    const old = findCondition(before.conditions, type);
    const now = findCondition(after.conditions, type);
    return now && (old?.status !== now.status || old.reason !== now.reason) ? now : undefined;
  };
  const expiring = changed(C.ExpiringSoon);
  if (expiring?.status === "True") events.push({ type: "Warning", reason: expiring.reason, message: expiring.message });
  else if (expiring?.reason === R.NotExpiring && findCondition(before.conditions, C.ExpiringSoon)?.status === "True")
    events.push({ type: "Normal", reason: R.NotExpiring, message: expiring.message });

  const ready = changed(C.Ready);
  if (ready?.reason === R.InvalidSpec || ready?.reason === R.RotationFailed)
    events.push({ type: "Warning", reason: ready.reason, message: ready.message });
  if (ready?.status === "True" && before.phase === "Rotating")
    events.push({ type: "Normal", reason: "RotationComplete", message: ready.message });

  const progressing = changed(C.Progressing);
  if (progressing?.status === "True" && WAIT_REASONS.includes(progressing.reason))
    events.push({ type: "Warning", reason: progressing.reason, message: progressing.message });
  if (after.phase === "Rotating" && before.phase !== "Rotating")
    events.push({
      type: "Normal",
      reason: R.Rotating,
      message: findCondition(after.conditions, C.Ready)?.message ?? "rotating",
    });
  if (after.lastTrigger !== undefined && after.lastTrigger !== before.lastTrigger)
    events.push({
      type: "Normal",
      reason: "TriggerHandled",
      message: `every selected node was rotated for trigger ${after.lastTrigger}`,
    });
  return events;
}

/** Confirmations (nodes that were waiting for the inventory and no longer are) and failed checks. */
export function verificationEvents(before: CertRotationStatus, plan: RoundPlan): CertEvent[] {
  const events: CertEvent[] = [];
  // Every rotated node is listed in progress at least once (the round that finishes it lists it as
  // awaiting confirmation).
  const waiting = new Set(
    (before.nodes ?? []).filter((node) => node.phase !== "Pending" && node.phase !== "Failed").map((node) => node.name),
  );
  for (const [node, check] of plan.checked) {
    if (check.verification.state === "confirmed" && waiting.has(node))
      events.push({
        type: "Normal",
        reason: "RotationConfirmed",
        message: `${node}: the inventory shows renewed certificates`,
      });
  }
  for (const { node, input } of plan.reopen) {
    const final = input.attempts >= input.maxAttempts;
    events.push({
      type: "Warning",
      reason: final ? R.RotationFailed : "AttemptFailed",
      message: `${node}: attempt ${input.attempts} of ${input.maxAttempts} failed: ${input.message}`,
    });
  }
  return events;
}

/** The engine's node events, under the names the API documents where they differ. */
export function nodeEvent(event: RolloutEvent): CertEvent {
  return {
    type: event.type,
    reason: event.reason === "NodeFailed" ? R.RotationFailed : event.reason,
    message: event.message,
  };
}
