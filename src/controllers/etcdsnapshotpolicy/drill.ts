/**
 * The restore drill of an EtcdSnapshotPolicy (spec.restoreDrill), as one pure function: count
 * drills that ended into the status, start the due one on the etcd member that holds the newest
 * verified snapshot, and set the RestoreVerified condition. The node-agent's `restore-drill` does
 * the work (nodeops/agent/restore-drill.ts); drill-job.ts builds its Job.
 *
 * Idempotency: a slot's Job name derives from the slot, it is created before the status records
 * the slot (creating it again finds it); a finished drill is counted once (its Job gets the
 * processed label after the status holds it, and a status already holding it is recognised).
 * One drill at a time across all policies; never on a node whose snapshot save is running.
 */
import { setCondition, toKubeTime } from "../../api/condition.ts";
import {
  EtcdSnapshotPolicyConditions as Conditions,
  EtcdSnapshotPolicyReasons as Reasons,
  type EtcdSnapshotPolicySpec,
  type RestoreDrillRecord,
} from "../../api/etcdsnapshotpolicy.ts";
import { decodeResult } from "../../nodeops/results.ts";
import type { EtcdNodeState } from "./nodes.ts";
import type { RecordedSnapshot } from "./records.ts";
import { isPolicySnapshot } from "./retention.ts";
import type { ObservedRun, RunJob } from "./runs.ts";
import { decideScheduledRun } from "./schedule.ts";
import type { PolicyEvent, Status } from "./status.ts";

export interface DrillInput {
  policyName: string;
  generation: number;
  spec: EtcdSnapshotPolicySpec;
  creationTime: number;
  status: Status;
  now: number;
  /** This policy's restore-drill Jobs, one run each. */
  runs: readonly ObservedRun[];
  /** A restore-drill Job of any policy is running. */
  anyDrillRunning: boolean;
  records: readonly RecordedSnapshot[];
  members: readonly EtcdNodeState[];
  /** Nodes with a snapshot save running. */
  busyNodes: ReadonlySet<string>;
}

export interface DrillStart {
  identity: string;
  node: string;
  /** Host path of the snapshot file. */
  snapshotPath: string;
}

export interface DrillDecision {
  status: Status;
  start: DrillStart | undefined;
  markProcessed: string[];
  events: PolicyEvent[];
  requeueAfterMs: number | undefined;
}

const WAIT_RECHECK_MS = 30_000;

/**
 * THE snapshot a drill restores: today the newest successful local copy of this policy (RKE2
 * recorded it ready with a size) on a healthy etcd member, the node the Job runs on, and not
 * among the copies the integrity check refused (`status.notVerified`: SHA-256 or size mismatch).
 */
export function newestVerifiedSnapshot(
  policyName: string,
  records: readonly RecordedSnapshot[],
  members: readonly EtcdNodeState[],
  notVerified: readonly { location: string }[] = [],
): (RecordedSnapshot & { path: string }) | undefined {
  const healthy = new Set(members.filter((member) => member.healthy).map((member) => member.name));
  const refused = new Set(notVerified.map((copy) => copy.location));
  const candidates = records
    .filter((record) => record.storage === "local" && record.ready && record.location.startsWith("file:///"))
    .filter((record) => healthy.has(record.node) && isPolicySnapshot(policyName, record))
    .filter((record) => !refused.has(record.location))
    .sort((a, b) => b.takenAt - a.takenAt);
  const newest = candidates[0];
  return newest && { ...newest, path: decodeURI(newest.location.slice("file://".length)) };
}

function drillRecord(job: RunJob): RestoreDrillRecord | undefined {
  if (job.outcome.state === "Running") return undefined;
  const time = toKubeTime(job.finishedAt ?? job.createdAt);
  const decoded = decodeResult(job.outcome.message);
  const base = { node: job.node, time };
  if (!decoded.ok || decoded.result.action !== "restore-drill") {
    const why = decoded.ok ? `unexpected ${decoded.result.action} result` : decoded.message;
    const reason = job.outcome.state === "Failed" ? `${job.outcome.reason}: ${why}` : why;
    return { ...base, snapshot: "unknown", outcome: "Failed", message: reason.slice(0, 1024) };
  }
  const result = decoded.result;
  if (!result.ok) {
    return { ...base, snapshot: result.snapshot ?? "unknown", outcome: "Failed", message: result.error.slice(0, 1024) };
  }
  return { ...base, snapshot: result.snapshot, outcome: "Succeeded", revision: result.revision, keys: result.keys };
}

const sameDrill = (a: RestoreDrillRecord, b: RestoreDrillRecord): boolean =>
  a.node === b.node && a.time === b.time && a.snapshot === b.snapshot;

export function decideDrill(input: DrillInput): DrillDecision {
  const drill = input.spec.restoreDrill;
  const { now } = input;
  let status = input.status;
  if (drill === undefined) {
    const conditions = status.conditions?.filter((c) => c.type !== Conditions.RestoreVerified);
    const changed = conditions?.length !== status.conditions?.length;
    return {
      status: changed ? { ...status, conditions } : status,
      start: undefined,
      markProcessed: [],
      events: [],
      requeueAfterMs: undefined,
    };
  }
  const events: PolicyEvent[] = [];
  const markProcessed: string[] = [];

  // 1. Count drills that ended, oldest first.
  for (const run of input.runs) {
    const job = run.jobs[0];
    if (run.processed || job === undefined) continue;
    const record = drillRecord(job);
    if (record === undefined) continue;
    markProcessed.push(job.name);
    const history = status.restoreDrills ?? [];
    if (history.some((kept) => sameDrill(kept, record))) continue;
    status = {
      ...status,
      lastRestoreDrill: record,
      restoreDrills: [record, ...history].slice(0, drill.keep),
      ...(record.outcome === "Succeeded" ? { lastSuccessfulRestoreDrillTime: record.time } : {}),
    };
    events.push(
      record.outcome === "Succeeded"
        ? {
            type: "Normal",
            reason: "RestoreDrillSucceeded",
            message:
              `snapshot ${record.snapshot} restored on ${record.node}: ` +
              `revision ${record.revision ?? 0}, ${record.keys ?? 0} keys`,
          }
        : {
            type: "Warning",
            reason: "RestoreDrillFailed",
            message: `restore drill of ${record.snapshot} on ${record.node} failed: ${record.message ?? ""}`,
          },
    );
  }

  // 2. Start the due slot when nothing stands in the way.
  const lastSlot = status.lastRestoreDrillScheduleTime ? Date.parse(status.lastRestoreDrillScheduleTime) : undefined;
  const schedule = decideScheduledRun({
    schedule: drill.schedule,
    timeZone: input.spec.timeZone,
    suspend: false,
    // A drill may wait for a free node or for another drill; it runs late rather than not at all.
    startingDeadlineMs: Number.POSITIVE_INFINITY,
    lastScheduleTime: lastSlot,
    creationTime: input.creationTime,
    now,
  });
  let start: DrillStart | undefined;
  let wait = false;
  const running = input.runs.some((run) => run.jobs.some((job) => job.outcome.state === "Running"));
  const triggered = drill.trigger !== undefined && drill.trigger !== status.lastRestoreDrillTrigger;
  if (schedule.run || triggered) {
    const target = newestVerifiedSnapshot(input.policyName, input.records, input.members, status.notVerified);
    // What this request is: the slot when one is due, else the trigger value.
    const handled = schedule.run
      ? { lastRestoreDrillScheduleTime: toKubeTime(schedule.run.slot) }
      : { lastRestoreDrillTrigger: drill.trigger };
    const identity = schedule.run ? `drill/${toKubeTime(schedule.run.slot)}` : `drill-trigger/${drill.trigger ?? ""}`;
    if (running || input.anyDrillRunning || (target && input.busyNodes.has(target.node))) wait = true;
    else if (target === undefined) {
      status = { ...status, ...handled };
      events.push({
        type: "Warning",
        reason: "RestoreDrillSkipped",
        message: "no verified local snapshot of this policy on a healthy etcd member to drill",
      });
    } else {
      start = { identity, node: target.node, snapshotPath: target.path };
      status = { ...status, ...handled };
    }
  }

  // 3. RestoreVerified.
  const nextSlot = schedule.nextScheduleTime;
  const next = nextSlot === undefined ? "" : `; next drill at ${toKubeTime(nextSlot)}`;
  const last = status.lastRestoreDrill;
  const update = !last
    ? { status: "Unknown" as const, reason: Reasons.NoDrillYet, message: `no restore drill has ended yet${next}` }
    : last.outcome === "Succeeded"
      ? {
          status: "True" as const,
          reason: Reasons.DrillSucceeded,
          message:
            `snapshot ${last.snapshot} restored on ${last.node} at ${last.time}: ` +
            `revision ${last.revision ?? 0}, ${last.keys ?? 0} keys`,
        }
      : {
          status: "False" as const,
          reason: Reasons.DrillFailed,
          message:
            `restore drill of ${last.snapshot} on ${last.node} at ${last.time} failed: ${last.message ?? ""}`.slice(
              0,
              1024,
            ),
        };
  status = {
    ...status,
    conditions: setCondition(
      status.conditions ?? [],
      { type: Conditions.RestoreVerified, ...update, observedGeneration: input.generation },
      now,
    ),
  };
  const recheck = running || wait || start !== undefined ? WAIT_RECHECK_MS : undefined;
  const requeues = [recheck, schedule.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
  return {
    status,
    start,
    markProcessed,
    events,
    requeueAfterMs: requeues.length > 0 ? Math.min(...requeues) : undefined,
  };
}
