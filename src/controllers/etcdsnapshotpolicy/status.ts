/**
 * The EtcdSnapshotPolicy status: outcomes of finished runs, storage health and conditions. Pure.
 */
import { setCondition, toKubeTime, type Condition } from "../../api/condition.ts";
import {
  EtcdSnapshotPolicyConditions as Conditions,
  EtcdSnapshotPolicyReasons as Reasons,
  type EtcdSnapshotPolicyStatus,
} from "../../api/etcdsnapshotpolicy.ts";
import type { EventType } from "../../observability/events.ts";
import { messageFromConditions, type MessageRule } from "../status.ts";
import { preferredCopy, toStatusSnapshot } from "./records.ts";
import type { RunEvaluation } from "./runs.ts";

export type Status = EtcdSnapshotPolicyStatus;

export interface PolicyEvent {
  type: EventType;
  reason: string;
  message: string;
}

export const EventReasons = {
  SnapshotStarted: "SnapshotStarted",
  SnapshotTaken: "SnapshotTaken",
  SnapshotFailed: "SnapshotFailed",
  SnapshotWaiting: "SnapshotWaiting",
  SnapshotsPruned: "SnapshotsPruned",
  PruneFailed: "PruneFailed",
  StorageUnavailable: "StorageUnavailable",
  StorageAvailable: "StorageAvailable",
  InvalidSpec: "InvalidSpec",
} as const;

const MAX_MESSAGE = 1000;

export function timeOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const parsed = Date.parse(text);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Whole seconds, as status times are stored. */
const seconds = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** The time of the newest outcome on record: a run that ended at or before it was counted. */
export function lastOutcomeTimes(status: Status): { success: number | undefined; failure: number | undefined } {
  return { success: timeOf(status.lastSuccessfulSnapshot?.takenAt), failure: timeOf(status.lastFailure?.time) };
}

/** A run whose outcome the status already holds (written before a crash kept its Jobs unlabelled). */
export function alreadyCounted(
  status: Status,
  evaluation: Extract<RunEvaluation, { state: "Succeeded" | "Failed" }>,
): boolean {
  const { success, failure } = lastOutcomeTimes(status);
  if (evaluation.state === "Failed") return failure !== undefined && failure >= seconds(evaluation.finishedAt);
  const newest = Math.max(...evaluation.snapshots.map((s) => s.takenAt));
  return success !== undefined && success >= seconds(newest);
}

export interface OutcomeEffects {
  status: Status;
  event: PolicyEvent;
  succeeded?: { durationSeconds: number };
  failed?: true;
}

/** Folds one finished run into the status. */
export function applyOutcome(
  status: Status,
  evaluation: Extract<RunEvaluation, { state: "Succeeded" | "Failed" }>,
): OutcomeEffects {
  const { success, failure } = lastOutcomeTimes(status);
  if (evaluation.state === "Failed") {
    const message = evaluation.message.slice(0, MAX_MESSAGE);
    const newer = failure === undefined || seconds(evaluation.finishedAt) > failure;
    return {
      status: {
        ...status,
        ...(newer ? { lastFailure: { time: toKubeTime(evaluation.finishedAt), message } } : {}),
        consecutiveFailures: (status.consecutiveFailures ?? 0) + 1,
      },
      event: { type: "Warning", reason: EventReasons.SnapshotFailed, message: `snapshot failed: ${message}` },
      failed: true,
    };
  }
  const best = preferredCopy(evaluation.snapshots);
  const next: Status = { ...status };
  if (best && (success === undefined || seconds(best.takenAt) >= success))
    next.lastSuccessfulSnapshot = toStatusSnapshot(best);
  if (failure === undefined || seconds(evaluation.finishedAt) >= failure) next.consecutiveFailures = 0;
  const copies = evaluation.snapshots.map((s) => s.location).join(", ");
  return {
    status: next,
    event: {
      type: "Normal",
      reason: EventReasons.SnapshotTaken,
      message: `snapshot verified: ${copies}`.slice(0, MAX_MESSAGE),
    },
    succeeded: { durationSeconds: Math.max(0, (evaluation.finishedAt - evaluation.startedAt) / 1000) },
  };
}

/** Whether the newest attempt on record failed. */
export function newestAttemptFailed(status: Status): boolean {
  const { success, failure } = lastOutcomeTimes(status);
  return failure !== undefined && (success === undefined || failure > success);
}

export type StorageCheck = { ok: boolean; message: string };

/** How often S3 is validated: often while it is down (to see it come back), rarely while it works. */
export const STORAGE_CHECK_INTERVAL_MS = 5 * 60_000;
export const STORAGE_RECHECK_INTERVAL_MS = 60_000;

/** When the next storage check is due, or undefined without S3. */
export function nextStorageCheck(status: Status, hasS3: boolean): number | undefined {
  if (!hasS3) return undefined;
  const last = timeOf(status.storage?.lastValidationTime);
  if (last === undefined) return 0;
  return last + (status.storage?.phase === "Available" ? STORAGE_CHECK_INTERVAL_MS : STORAGE_RECHECK_INTERVAL_MS);
}

export function storageStatus(
  previous: Status["storage"],
  hasS3: boolean,
  check: StorageCheck | undefined,
  now: number,
): { storage: NonNullable<Status["storage"]>; event?: PolicyEvent } {
  if (!hasS3)
    return { storage: { phase: "Available", message: "no S3 configured: snapshots stay on the etcd nodes' disks" } };
  if (!check) return { storage: previous ?? { phase: "Unknown", message: "not checked yet" } };
  const phase = check.ok ? "Available" : "Unavailable";
  const storage = { phase, lastValidationTime: toKubeTime(now), message: check.message.slice(0, MAX_MESSAGE) } as const;
  if (phase === previous?.phase) return { storage };
  if (phase === "Unavailable")
    return { storage, event: { type: "Warning", reason: EventReasons.StorageUnavailable, message: check.message } };
  return previous?.phase === "Unavailable"
    ? { storage, event: { type: "Normal", reason: EventReasons.StorageAvailable, message: check.message } }
    : { storage };
}

export interface ConditionInput {
  status: Status;
  generation: number;
  suspended: boolean;
  overdue: boolean;
  nextScheduleTime: number | undefined;
  /** Whether RKE2's ETCDSnapshotFile records are served. */
  recordsServed: boolean;
  /** Why Rancher owns snapshots here; undefined when the policy may act. */
  rancherRefusal?: string | undefined;
  now: number;
}

/** What RecordsAvailable=False says (also in docs/etcd-snapshots.md). */
export const RECORDS_MISSING_MESSAGE =
  "this API server does not serve etcdsnapshotfiles.k3s.cattle.io (RKE2 releases before the " +
  "ETCDSnapshotFile CRD): snapshots are verified from rke2 etcd-snapshot ls on the node, " +
  "status.snapshots is not updated and retention prunes nothing";

export function policyConditions(input: ConditionInput): Condition[] {
  const { status, generation: observedGeneration, now } = input;
  let conditions = status.conditions ?? [];
  const set = (type: string, state: Condition["status"], reason: string, message: string): void => {
    conditions = setCondition(conditions, { type, status: state, reason, message, observedGeneration }, now);
  };

  if (input.rancherRefusal !== undefined) {
    set(Conditions.Ready, "False", Reasons.ManagedByRancher, input.rancherRefusal);
  } else if (status.storage?.phase === "Unavailable") {
    set(Conditions.Ready, "False", Reasons.StorageUnavailable, "no snapshot can be stored until the storage is back");
  } else if (newestAttemptFailed(status)) {
    set(Conditions.Ready, "False", Reasons.SnapshotFailed, status.lastFailure?.message ?? "the last snapshot failed");
  } else if (status.lastSuccessfulSnapshot) {
    set(
      Conditions.Ready,
      "True",
      Reasons.SnapshotSucceeded,
      `last snapshot ${status.lastSuccessfulSnapshot.name} at ${status.lastSuccessfulSnapshot.takenAt}`,
    );
  } else if (input.suspended) {
    set(Conditions.Ready, "True", Reasons.Suspended, "suspended: no scheduled snapshots");
  } else {
    const next =
      input.nextScheduleTime === undefined ? "" : `; the first is due at ${toKubeTime(input.nextScheduleTime)}`;
    set(Conditions.Ready, "True", Reasons.NoSnapshotYet, `no snapshot taken yet${next}`);
  }

  if (input.suspended)
    set(Conditions.SnapshotOverdue, "False", Reasons.Suspended, "suspended: no snapshots are expected");
  else if (input.overdue) {
    const since = status.lastSuccessfulSnapshot?.takenAt;
    set(
      Conditions.SnapshotOverdue,
      "True",
      Reasons.Overdue,
      since
        ? `no successful snapshot within two schedule intervals (last at ${since})`
        : "no successful snapshot within two schedule intervals",
    );
  } else set(Conditions.SnapshotOverdue, "False", Reasons.OnSchedule, "the last successful snapshot is recent");

  const storage = status.storage;
  if (!storage || storage.phase === "Unknown")
    set(Conditions.StorageAvailable, "Unknown", Reasons.StorageNotChecked, storage?.message ?? "not checked yet");
  else if (storage.phase === "Available")
    set(Conditions.StorageAvailable, "True", Reasons.StorageReachable, storage.message ?? "reachable");
  else set(Conditions.StorageAvailable, "False", Reasons.StorageUnreachable, storage.message ?? "unreachable");

  if (input.recordsServed) {
    set(Conditions.RecordsAvailable, "True", Reasons.RecordsServed, "RKE2's ETCDSnapshotFile records are watched");
  } else {
    set(Conditions.RecordsAvailable, "False", Reasons.RecordsCRDMissing, RECORDS_MISSING_MESSAGE);
  }
  return conditions;
}

/** What MESSAGE shows: the first of these that holds (the storage's own reason before Ready's). */
const MESSAGE_RULES: readonly MessageRule[] = [
  { type: Conditions.Ready, status: "False", reasons: [Reasons.InvalidSpec, Reasons.ManagedByRancher] },
  { type: Conditions.StorageAvailable, status: "False", prefix: "storage unavailable: " },
  { type: Conditions.Ready, status: "False", reasons: [Reasons.SnapshotFailed], prefix: "the last snapshot failed: " },
  { type: Conditions.SnapshotOverdue, status: "True" },
  { type: Conditions.Ready, status: "True" },
];

export function policyMessage(conditions: readonly Condition[]): string | undefined {
  const message = messageFromConditions(conditions, MESSAGE_RULES);
  return message === undefined ? undefined : message.slice(0, MAX_MESSAGE);
}

export function invalidSpecStatus(status: Status, generation: number, message: string, now: number): Status {
  const conditions = setCondition(
    status.conditions ?? [],
    {
      type: Conditions.Ready,
      status: "False",
      reason: Reasons.InvalidSpec,
      message: message.slice(0, MAX_MESSAGE),
      observedGeneration: generation,
    },
    now,
  );
  const { nextScheduleTime: _next, ...rest } = status;
  return { ...rest, observedGeneration: generation, conditions, message: message.slice(0, MAX_MESSAGE) };
}
