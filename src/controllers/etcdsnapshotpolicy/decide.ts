/**
 * Everything an EtcdSnapshotPolicy reconcile decides, as one pure function of what was observed
 * and `now`: which finished runs to count, whether to start a run (and on which nodes), which
 * snapshots to prune, the status to write, events, metrics, and when to look again.
 *
 * Idempotency keys (a restart at any point neither repeats nor loses a snapshot):
 * - a schedule slot is written to status.lastScheduleTime BEFORE its Jobs are created
 *   (`recordFirst`); a slot on record without Jobs and without an outcome since is resumed while
 *   its starting deadline lasts;
 * - a trigger value or a retry is a deterministic Job name: its Jobs are created first and the
 *   status records it after; creating them again only finds them;
 * - a finished run is counted once: its Jobs get the processed label after the status holds it,
 *   and a status that already holds it (crash in between) is recognised.
 */
import { durationToMs } from "../../api/duration.ts";
import { parseEtcdSnapshotPolicySpec, type EtcdSnapshotPolicySpec } from "../../api/etcdsnapshotpolicy.ts";
import { toKubeTime } from "../../api/condition.ts";
import { chooseNodes, type EtcdNodeState } from "./nodes.ts";
import { planPrune, type PrunePlan } from "./prune.ts";
import { policyRetention } from "./policy-retention.ts";
import { toStatusSnapshot, type RecordedSnapshot } from "./records.ts";
import type { PolicySnapshot, PreUpgradeHold } from "./retention.ts";
import { processDeletions } from "./deletions.ts";
import { nextRun } from "./next-run.ts";
import { evaluateRun, runIdentity, type ObjectCheck, type ObservedRun, type RunKind } from "./runs.ts";
import { decideScheduledRun, isOverdue, validateSchedule } from "./schedule.ts";
import {
  alreadyCounted,
  applyOutcome,
  EventReasons,
  invalidSpecStatus,
  lastOutcomeTimes,
  newestAttemptFailed,
  nextStorageCheck,
  policyConditions,
  policyMessage,
  storageStatus,
  timeOf,
  type PolicyEvent,
  type Status,
  type StorageCheck,
} from "./status.ts";

export interface PolicyView {
  name: string;
  uid: string;
  generation: number;
  creationTime: number;
  spec: unknown;
  status: Status;
}

export interface DecideInput {
  policy: PolicyView;
  now: number;
  /** This policy's snapshot-save runs. */
  runs: readonly ObservedRun[];
  /** This policy's snapshot-delete Jobs, one run each. */
  deletions: readonly ObservedRun[];
  /** Nodes with a snapshot save running, of any owner. */
  busyNodes: ReadonlySet<string>;
  members: readonly EtcdNodeState[];
  records: readonly RecordedSnapshot[];
  /**
   * Whether the API server serves ETCDSnapshotFile. Without it (RKE2 releases before the CRD)
   * runs are verified from the node-agent's `rke2 etcd-snapshot ls`, and retention, which needs
   * RKE2's inventory, neither lists nor prunes. Default true.
   */
  recordsServed?: boolean;
  /** Why Rancher owns snapshots on this cluster (rke2/rancher.ts): no run starts, nothing is pruned. */
  rancherRefusal?: string | undefined;
  objectChecks: ReadonlyMap<string, ObjectCheck>;
  /** A storage check the reconciler ran for this reconcile (it was due). */
  storageCheck?: StorageCheck | undefined;
  /** Whether the Jobs' S3 Secret copy is in place (or not needed). */
  s3Access: { ok: true } | { ok: false; message: string };
  /** UpgradePlans whose spec.snapshot.policyRef names this policy (for retention.protectPreUpgradeFor). */
  preUpgradePlans?: readonly PreUpgradeHold[];
}

export interface StartRun {
  kind: RunKind;
  identity: string;
  nodes: string[];
  /** Write the status (holding the slot) before creating the Jobs. */
  recordFirst: boolean;
}

export interface Decision {
  spec: EtcdSnapshotPolicySpec | undefined;
  status: Status;
  start: StartRun | undefined;
  prune: PrunePlan[];
  /** Jobs whose outcome the status now holds. */
  markProcessed: string[];
  events: PolicyEvent[];
  metrics: { succeeded: { durationSeconds: number }[]; failed: number };
  requeueAfterMs: number | undefined;
}

const RUNNING_RECHECK_MS = 30_000;
const VERIFY_RECHECK_MS = 2_000;
const BLOCKED_RECHECK_MS = 15_000;

function invalid(input: DecideInput, message: string): Decision {
  return {
    spec: undefined,
    status: invalidSpecStatus(input.policy.status, input.policy.generation, message, input.now),
    start: undefined,
    prune: [],
    markProcessed: [],
    events: [{ type: "Warning", reason: EventReasons.InvalidSpec, message }],
    metrics: { succeeded: [], failed: 0 },
    requeueAfterMs: undefined,
  };
}

export function decide(input: DecideInput): Decision {
  const parsed = parseEtcdSnapshotPolicySpec(input.policy.spec);
  if (!parsed.ok) return invalid(input, parsed.message);
  const spec = parsed.spec;
  const scheduleProblem = validateSchedule(spec.schedule, spec.timeZone);
  if (scheduleProblem !== undefined) return invalid(input, `spec.schedule: ${scheduleProblem}`);
  const deadlineMs = durationToMs(spec.startingDeadline) ?? 0;
  const { policy, now } = input;

  const events: PolicyEvent[] = [];
  const metrics: Decision["metrics"] = { succeeded: [], failed: 0 };
  const markProcessed: string[] = [];
  const wakeups: number[] = [];
  let status: Status = { ...policy.status, observedGeneration: policy.generation };

  // 1. Count runs that ended, oldest first.
  const recordsServed = input.recordsServed ?? true;
  const context = {
    verify: spec.verify,
    records: input.records,
    objectChecks: input.objectChecks,
    now,
    cliListing: !recordsServed,
  };
  let active = false;
  const checkedCopies: PolicySnapshot[] = [];
  for (const run of input.runs) {
    if (run.processed) continue;
    const evaluation = evaluateRun(run, context);
    if (evaluation.state === "Running") {
      active = true;
      wakeups.push(now + RUNNING_RECHECK_MS);
      continue;
    }
    if (evaluation.state === "Verifying") {
      active = true;
      wakeups.push(Math.min(now + VERIFY_RECHECK_MS, evaluation.deadline));
      continue;
    }
    markProcessed.push(...run.jobs.filter((job) => !job.processed).map((job) => job.name));
    checkedCopies.push(...(evaluation.state === "Succeeded" ? evaluation.snapshots : (evaluation.unverified ?? [])));
    if (alreadyCounted(status, evaluation)) continue;
    const effects = applyOutcome(status, evaluation);
    status = effects.status;
    events.push(effects.event);
    if (effects.succeeded) metrics.succeeded.push(effects.succeeded);
    if (effects.failed) metrics.failed += 1;
  }
  if (
    spec.trigger !== undefined &&
    input.runs.some((run) => run.identity === runIdentity("trigger", spec.trigger ?? ""))
  )
    status.lastTrigger = spec.trigger;

  // 2. Storage health.
  const storage = storageStatus(status.storage, spec.s3 !== undefined, input.storageCheck, now);
  status.storage = storage.storage;
  if (storage.event) events.push(storage.event);
  const nextCheck = nextStorageCheck(status, spec.s3 !== undefined);
  if (nextCheck !== undefined) wakeups.push(Math.max(nextCheck, now + 1000));

  // 3. Maybe start a run.
  const schedule = decideScheduledRun({
    schedule: spec.schedule,
    timeZone: spec.timeZone,
    suspend: spec.suspend,
    startingDeadlineMs: deadlineMs,
    lastScheduleTime: timeOf(status.lastScheduleTime),
    creationTime: policy.creationTime,
    now,
  });
  if (schedule.nextScheduleTime !== undefined) wakeups.push(schedule.nextScheduleTime);
  let start: StartRun | undefined;
  if (!active && input.rancherRefusal === undefined) {
    const wanted = nextRun(input, spec, status, schedule.run?.slot, deadlineMs);
    if (wanted?.notBefore !== undefined && wanted.notBefore > now) wakeups.push(wanted.notBefore);
    else if (wanted) {
      const choice = chooseNodes(spec.nodes, input.members, input.busyNodes, wanted.identity);
      const blocked = !input.s3Access.ok ? input.s3Access.message : !choice.ok ? choice.reason : undefined;
      if (blocked !== undefined || !choice.ok) {
        events.push({
          type: "Warning",
          reason: EventReasons.SnapshotWaiting,
          message: `cannot start the ${wanted.kind} snapshot yet: ${blocked ?? ""}`,
        });
        wakeups.push(now + BLOCKED_RECHECK_MS);
      } else {
        start = {
          kind: wanted.kind,
          identity: wanted.identity,
          nodes: choice.nodes,
          recordFirst: wanted.recordSlot !== undefined,
        };
        if (wanted.recordSlot !== undefined) status.lastScheduleTime = toKubeTime(wanted.recordSlot);
        if (wanted.kind === "trigger") status.lastTrigger = spec.trigger;
        const skipped =
          wanted.kind === "slot" && schedule.skippedSlots > 0
            ? ` (${schedule.skippedSlots} missed slot(s) older than ${spec.startingDeadline} skipped)`
            : "";
        events.push({
          type: "Normal",
          reason: EventReasons.SnapshotStarted,
          message: `${wanted.kind} snapshot on ${choice.nodes.join(", ")}${skipped}`,
        });
        wakeups.push(now + RUNNING_RECHECK_MS);
      }
    }
  }

  // 4. Retention: what is kept is listed in status; the rest is pruned when nothing is in flight.
  // Without RKE2's records there is no inventory: status keeps its list and nothing is pruned.
  const retention = policyRetention({
    policyName: policy.name,
    spec,
    records: input.records,
    checkedCopies,
    previous: policy.status,
    lastVerified: status.lastSuccessfulSnapshot?.name,
    preUpgradePlans: input.preUpgradePlans ?? [],
    now,
  });
  if (recordsServed) {
    status.snapshots = retention.keep.slice(0, 1000).map(toStatusSnapshot);
    status.snapshotCount = retention.keptEvents;
    if (retention.notVerified.length > 0) status.notVerified = retention.notVerified;
    else delete status.notVerified;
    if (retention.wakeAt !== undefined) wakeups.push(retention.wakeAt);
  }
  const deletionsInFlight = processDeletions(input.deletions, markProcessed, events);
  // While snapshots fail (often: S3 is down) nothing is deleted: the failure may be ours to fix,
  // and the copies we have are all there is.
  const canPrune =
    recordsServed &&
    input.rancherRefusal === undefined &&
    !active &&
    start === undefined &&
    !deletionsInFlight &&
    status.storage.phase !== "Unavailable" &&
    !newestAttemptFailed(status);
  const prune = canPrune
    ? planPrune({ doomed: retention.delete, members: input.members, hasS3: spec.s3 !== undefined }).plans
    : [];
  if (deletionsInFlight) wakeups.push(now + RUNNING_RECHECK_MS);

  // 5. Schedule times and conditions.
  if (schedule.nextScheduleTime !== undefined && !spec.suspend)
    status.nextScheduleTime = toKubeTime(schedule.nextScheduleTime);
  else delete status.nextScheduleTime;
  status.consecutiveFailures ??= 0;
  const overdue = isOverdue({
    lastSuccessTime: lastOutcomeTimes(status).success,
    schedule: spec.schedule,
    timeZone: spec.timeZone,
    creationTime: policy.creationTime,
    now,
  });
  status.conditions = policyConditions({
    status,
    generation: policy.generation,
    suspended: spec.suspend,
    overdue,
    nextScheduleTime: schedule.nextScheduleTime,
    recordsServed,
    rancherRefusal: input.rancherRefusal,
    now,
  });
  const message = policyMessage(status.conditions);
  if (message !== undefined) status.message = message;
  else delete status.message;

  const soonest = wakeups.length === 0 ? undefined : Math.min(...wakeups);
  return {
    spec,
    status,
    start,
    prune,
    markProcessed,
    events,
    metrics,
    requeueAfterMs: soonest === undefined ? undefined : Math.max(1000, soonest - now),
  };
}
