/**
 * Which snapshot run an EtcdSnapshotPolicy starts next, and the backoff between retries (part of
 * `decide`).
 */
import type { EtcdSnapshotPolicySpec } from "../../api/etcdsnapshotpolicy.ts";
import { toKubeTime } from "../../api/condition.ts";
import { runIdentity, type ObservedRun, type RunKind } from "./runs.ts";
import { lastOutcomeTimes, newestAttemptFailed, timeOf, type Status } from "./status.ts";

export const RETRY_BASE_MS = 30_000;
export const RETRY_MAX_MS = 30 * 60_000;

/** Backoff after `failures` consecutive failures: 30 s, 1 m, 2 m ... capped at 30 m. */
export function retryDelayMs(failures: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, failures - 1), RETRY_MAX_MS);
}

export interface WantedRun {
  kind: RunKind;
  identity: string;
  /** A new slot to write to status.lastScheduleTime first. */
  recordSlot?: number;
  /** Not before this time (a retry's backoff). */
  notBefore?: number;
}

/** The run to start now, by priority: a changed trigger, a due slot, a slot on record never started, a retry. */
export function nextRun(
  input: { now: number; runs: readonly ObservedRun[] },
  spec: EtcdSnapshotPolicySpec,
  status: Status,
  dueSlot: number | undefined,
  deadlineMs: number,
): WantedRun | undefined {
  const { now } = input;
  const known = new Set(input.runs.map((run) => run.identity));
  if (spec.trigger !== undefined && spec.trigger !== status.lastTrigger)
    return { kind: "trigger", identity: runIdentity("trigger", spec.trigger) };
  if (dueSlot !== undefined)
    return { kind: "slot", identity: runIdentity("slot", toKubeTime(dueSlot)), recordSlot: dueSlot };

  const recorded = timeOf(status.lastScheduleTime);
  const { success, failure } = lastOutcomeTimes(status);
  const outcomeSince = (time: number): boolean =>
    (success !== undefined && success >= time) || (failure !== undefined && failure >= time);
  if (!spec.suspend && recorded !== undefined && now - recorded <= deadlineMs && !outcomeSince(recorded)) {
    const identity = runIdentity("slot", toKubeTime(recorded));
    if (!known.has(identity)) return { kind: "slot", identity };
  }

  if (!spec.suspend && newestAttemptFailed(status) && status.lastFailure) {
    const identity = runIdentity("retry", status.lastFailure.time);
    if (known.has(identity)) return undefined;
    const retryAt = (timeOf(status.lastFailure.time) ?? now) + retryDelayMs(status.consecutiveFailures ?? 1);
    const nextSlot = timeOf(status.nextScheduleTime);
    // The next scheduled snapshot is the better retry when it comes first.
    if (nextSlot !== undefined && nextSlot <= retryAt) return undefined;
    return { kind: "retry", identity, notBefore: retryAt };
  }
  return undefined;
}
