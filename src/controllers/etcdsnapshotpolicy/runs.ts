/**
 * Snapshot runs as the Jobs show them, and whether a finished run counts. Pure.
 *
 * A run is one snapshot request (a schedule slot, a trigger value, a retry, a pre-upgrade
 * snapshot): one `snapshot-save` Job per node it uses, all with the same identity annotation.
 * It succeeds only when every Job reported success AND, with `verify`, RKE2 recorded every copy
 * ready with a size (ETCDSnapshotFile) and, for S3 copies, the operator found the object in the
 * bucket itself.
 */
import { HASH_LABEL, jobOutcome, NODE_LABEL, type Job, type JobOutcome } from "../../nodeops/job.ts";
import { decodeResult } from "../../nodeops/results.ts";
import type { ObjectStat } from "../../storage/s3-store.ts";
import type { RecordedSnapshot } from "./records.ts";
import { mayHaveCompleted, recoveredCopies, recoveryLocations, saveRequestOf, type SaveRequest } from "./recovered.ts";
import { checkIntegrity } from "./integrity.ts";
import type { PolicySnapshot } from "./retention.ts";

/** The run a Job belongs to, readable (`slot/2026-01-01T00:00:00Z`, `trigger/v2`, `retry/...`). */
export const RUN_ANNOTATION = "rke2-lifecycle.io/run";
/** Set once the run's outcome is in the policy's status, so it is counted once. */
export const PROCESSED_LABEL = "rke2-lifecycle.io/processed";

/** How long after its Jobs ended a run may wait for RKE2's records and the bucket to show it. */
export const VERIFY_TIMEOUT_MS = 2 * 60_000;

export type RunKind = "slot" | "trigger" | "retry" | "pre-upgrade";

export function runIdentity(kind: RunKind, key: string): string {
  return `${kind}/${key}`;
}

/** What the run logic reads of a Job's pod: its container's termination message. */
export interface JobPod {
  status?: {
    containerStatuses?: { state?: { terminated?: { message?: string; exitCode?: number; reason?: string } } }[];
  };
}

/** One Job of a snapshot run (the rollout engine's ObservedJob is a node Job of a rollout). */
export interface RunJob {
  name: string;
  node: string;
  processed: boolean;
  createdAt: number;
  /** When the Job completed or failed. */
  finishedAt: number | undefined;
  outcome: JobOutcome;
  /** The save it asked rke2 for (from its argv), to find what RKE2 recorded when the Job failed. */
  save?: SaveRequest | undefined;
}

export interface ObservedRun {
  identity: string;
  jobs: RunJob[];
  /** Every Job carries the processed label. */
  processed: boolean;
  startedAt: number;
}

type Conditioned = { type: string; status: string; lastTransitionTime?: string };

function finishTime(job: Job): number | undefined {
  const conditions = (job.status?.conditions ?? []) as Conditioned[];
  const ended = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  if (!ended) return undefined;
  const text = job.status?.completionTime ?? ended.lastTransitionTime;
  const parsed = text ? Date.parse(text) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Groups Jobs into runs by their identity hash; Jobs without our run annotation are ignored. */
export function observeRuns(jobs: readonly Job[], podsOf: (job: Job) => readonly JobPod[]): ObservedRun[] {
  const runs = new Map<string, ObservedRun>();
  for (const job of jobs) {
    const identity = job.metadata.annotations?.[RUN_ANNOTATION];
    const hash = job.metadata.labels?.[HASH_LABEL];
    if (identity === undefined || hash === undefined) continue;
    const created = job.metadata.creationTimestamp ? Date.parse(job.metadata.creationTimestamp) : 0;
    const observed: RunJob = {
      name: job.metadata.name,
      node: job.metadata.labels?.[NODE_LABEL] ?? "",
      processed: job.metadata.labels?.[PROCESSED_LABEL] === "true",
      createdAt: Number.isFinite(created) ? created : 0,
      finishedAt: finishTime(job),
      outcome: jobOutcome(job, podsOf(job)),
      save: saveRequestOf(job),
    };
    const run = runs.get(hash) ?? { identity, jobs: [], processed: true, startedAt: observed.createdAt };
    run.jobs.push(observed);
    run.processed &&= observed.processed;
    run.startedAt = Math.min(run.startedAt, observed.createdAt);
    runs.set(hash, run);
  }
  return [...runs.values()]
    .map((run) => ({ ...run, jobs: run.jobs.sort((a, b) => (a.node < b.node ? -1 : 1)) }))
    .sort((a, b) => a.startedAt - b.startedAt);
}

export type ObjectCheck = ObjectStat | { error: string };

export interface VerifyContext {
  verify: boolean;
  records: readonly RecordedSnapshot[];
  /** Results of HeadObject for S3 locations, by `s3://` location. */
  objectChecks: ReadonlyMap<string, ObjectCheck>;
  now: number;
  /**
   * No ETCDSnapshotFile records on this API server: a copy counts as recorded when the node-agent
   * found it in `rke2 etcd-snapshot ls` with a size (it reports nothing else), as the design
   * allows for older RKE2. S3 copies are still looked up in the bucket.
   */
  cliListing?: boolean;
}

export type RunEvaluation =
  | { state: "Running" }
  | { state: "Verifying"; message: string; deadline: number }
  | { state: "Succeeded"; snapshots: PolicySnapshot[]; startedAt: number; finishedAt: number }
  | {
      state: "Failed";
      message: string;
      startedAt: number;
      finishedAt: number;
      /** Copies that were saved but failed the integrity check (./integrity.ts), and their siblings. */
      unverified?: PolicySnapshot[];
    };

type JobVerdict =
  | { done: false }
  | { done: true; snapshots: PolicySnapshot[] }
  | { done: true; error: string; unverified?: PolicySnapshot[] }
  | { done: true; pending: string; unverified?: PolicySnapshot[] };

function reportedSnapshots(job: RunJob): PolicySnapshot[] | string {
  if (job.outcome.state !== "Succeeded") return "not succeeded";
  const decoded = decodeResult(job.outcome.message);
  if (!decoded.ok) return decoded.message;
  const result = decoded.result;
  if (result.action !== "snapshot-save") return `unexpected ${result.action} result`;
  if (!result.ok) return result.error;
  return result.snapshots.map((s) => ({
    name: s.name,
    node: s.node,
    location: s.location,
    size: s.size,
    takenAt: Date.parse(s.createdAt) || 0,
    storage: s.location.startsWith("s3://") ? ("s3" as const) : ("local" as const),
    ...(s.digest ? { digest: s.digest } : {}),
  }));
}

function verifyCopy(copy: PolicySnapshot, context: VerifyContext): string | { pending: string } | undefined {
  if (!context.cliListing) {
    const record = context.records.find((r) => r.name === copy.name && r.location === copy.location);
    if (!record) return { pending: `RKE2 has not recorded ${copy.location} (no ETCDSnapshotFile)` };
    if (!record.ready) return `RKE2 recorded ${copy.location} as not usable${record.error ? `: ${record.error}` : ""}`;
  }
  if (copy.storage !== "s3") return undefined;
  const check = context.objectChecks.get(copy.location);
  if (check === undefined) return { pending: `confirming ${copy.location} in the bucket` };
  if ("error" in check) return { pending: `cannot confirm ${copy.location}: ${check.error}` };
  // RKE2 records an S3 copy after its upload returned; some S3-compatible stores list an object
  // a moment after the PUT. Missing counts as a failure only once the verify deadline passed.
  if (!check.exists) return { pending: `${copy.location} is not in the bucket` };
  if (check.size === 0) return `${copy.location} is empty in the bucket`;
  return undefined;
}

function judgeJob(job: RunJob, context: VerifyContext): JobVerdict {
  if (job.outcome.state === "Running") return { done: false };
  if (job.outcome.state === "Failed") {
    const decoded = decodeResult(job.outcome.message);
    const agentError = decoded.ok && !decoded.result.ok ? decoded.result.error : undefined;
    const detail = job.outcome.message ? `: ${job.outcome.message.slice(0, 300)}` : "";
    const error = agentError ?? `Job ${job.name} failed (${job.outcome.reason})${detail}`;
    // A snapshot RKE2 recorded (and the bucket holds) counts, whatever became of the Job.
    const recovered = recoveredCopies(job, context);
    if (recovered && "snapshots" in recovered) return { done: true, snapshots: recovered.snapshots };
    if (recovered) return { done: true, pending: `${error}; ${recovered.pending}` };
    if (job.save && mayHaveCompleted(job.outcome.reason, agentError)) {
      return { done: true, pending: `${error}; RKE2 has not recorded the snapshot` };
    }
    return { done: true, error };
  }
  const reported = reportedSnapshots(job);
  if (typeof reported === "string") return { done: true, error: reported };
  if (!context.verify) return { done: true, snapshots: reported };
  for (const copy of reported) {
    const problem = verifyCopy(copy, context);
    if (typeof problem === "string") return { done: true, error: problem };
    if (problem) return { done: true, pending: problem.pending };
  }
  // The record's size is RKE2's own word; take it over the node-agent's.
  const checked = reported.map((copy): PolicySnapshot => {
    const recorded = context.cliListing ? undefined : context.records.find((r) => r.location === copy.location)?.size;
    const object = context.objectChecks.get(copy.location);
    const integrity = checkIntegrity(copy, recorded ?? copy.size, object && "exists" in object ? object : undefined);
    return { ...copy, size: recorded ?? copy.size, ...(integrity ? { integrity } : {}) };
  });
  const notVerified = checked.filter((copy) => copy.integrity?.verified === false);
  const failed = notVerified.map((copy) => `${copy.location} not verified: ${copy.integrity?.message ?? ""}`);
  const final = notVerified.some((copy) => copy.integrity?.verified === false && !copy.integrity.incomplete);
  if (failed.length > 0)
    return final
      ? { done: true, error: failed.join("; "), unverified: checked }
      : { done: true, pending: failed.join("; "), unverified: checked };
  return { done: true, snapshots: checked };
}

export function evaluateRun(run: ObservedRun, context: VerifyContext): RunEvaluation {
  const verdicts = run.jobs.map((job) => ({ job, verdict: judgeJob(job, context) }));
  if (verdicts.some((v) => !v.verdict.done)) return { state: "Running" };
  const finishedAt = Math.max(run.startedAt, ...run.jobs.map((job) => job.finishedAt ?? run.startedAt));
  const errors = verdicts.flatMap(({ job, verdict }) => ("error" in verdict ? [`${job.node}: ${verdict.error}`] : []));
  const unverified = verdicts.flatMap(({ verdict }) => ("unverified" in verdict ? (verdict.unverified ?? []) : []));
  if (errors.length > 0)
    return {
      state: "Failed",
      message: errors.join("; "),
      startedAt: run.startedAt,
      finishedAt,
      ...(unverified.length > 0 ? { unverified } : {}),
    };
  const pending = verdicts.flatMap(({ verdict }) => ("pending" in verdict ? [verdict.pending] : []));
  if (pending.length > 0) {
    const deadline = finishedAt + VERIFY_TIMEOUT_MS;
    if (context.now >= deadline)
      return {
        state: "Failed",
        message: `not verified within ${VERIFY_TIMEOUT_MS / 1000}s: ${pending.join("; ")}`,
        startedAt: run.startedAt,
        finishedAt,
        ...(unverified.length > 0 ? { unverified } : {}),
      };
    return { state: "Verifying", message: pending.join("; "), deadline };
  }
  const snapshots = verdicts.flatMap(({ verdict }) => ("snapshots" in verdict ? verdict.snapshots : []));
  return { state: "Succeeded", snapshots, startedAt: run.startedAt, finishedAt };
}

/** S3 locations the reconciler should look up in the bucket before evaluating `runs`. */
export function objectsToConfirm(
  runs: readonly ObservedRun[],
  context: Omit<VerifyContext, "objectChecks" | "now">,
): string[] {
  if (!context.verify) return [];
  const locations = new Set<string>();
  for (const run of runs) {
    if (run.processed) continue;
    for (const job of run.jobs) {
      if (job.outcome.state === "Failed") {
        for (const location of recoveryLocations(job, context.records)) locations.add(location);
      }
      const reported = reportedSnapshots(job);
      if (typeof reported === "string") continue;
      for (const copy of reported) {
        const record = context.records.find((r) => r.name === copy.name && r.location === copy.location);
        if (copy.storage === "s3" && (record?.ready || context.cliListing)) locations.add(copy.location);
      }
    }
  }
  return [...locations].sort();
}
