/**
 * The Job controller's decisions for the Jobs the operator creates: parallelism 1, completions 1,
 * NonIndexed, no pod failure policy, no suspend. Mirrors Kubernetes 1.31, where the terminal
 * conditions (`Complete`, `Failed`) are added only once no pod of the Job is still running or
 * terminating, preceded by `SuccessCriteriaMet` / `FailureTarget`.
 */
import type { Condition, Job, JobStatus, Pod } from "../cluster/kinds.ts";
import { conditionOf, isPodReady, isPodTerminal, rfc3339 } from "../cluster/kinds.ts";

/** batch/v1 default of spec.backoffLimit. */
export const DEFAULT_BACKOFF_LIMIT = 6;
/** The controller waits 10 s, 20 s, 40 s ... (capped at 6 min) before replacing a failed pod. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const POD_FAILURE_BACKOFF_MAX_MS = 360_000;

export interface JobDecision {
  createPod: boolean;
  /** Active pods to delete (activeDeadlineSeconds exceeded). */
  deletePods: string[];
  status: JobStatus;
  /** ttlSecondsAfterFinished has passed. */
  deleteJob: boolean;
  /** When to look again even if nothing changes (deadline, TTL, backoff). */
  requeueAfterMs?: number;
}

export interface JobTiming {
  now: number;
  /** Base of the failed-pod backoff; the sim compresses it with the rest of time. */
  podFailureBackoffMs: number;
}

const REASONS = {
  complete: { reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
  backoff: { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" },
  deadline: { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" },
} as const;

function condition(type: string, why: { reason: string; message: string }, now: string): Condition {
  return {
    type,
    status: "True",
    reason: why.reason,
    message: why.message,
    lastProbeTime: now,
    lastTransitionTime: now,
  };
}

function finishedAt(job: Job): number | undefined {
  const finished = ["Complete", "Failed"]
    .map((type) => conditionOf(job.status?.conditions, type))
    .find((c) => c?.status === "True");
  const when = finished?.lastTransitionTime ?? job.status?.completionTime;
  return when ? Date.parse(when) : undefined;
}

function lastFailureAt(pods: readonly Pod[]): number | undefined {
  let latest: number | undefined;
  for (const pod of pods) {
    if (pod.status?.phase !== "Failed") continue;
    const finished = pod.status.containerStatuses?.[0]?.state.terminated?.finishedAt;
    const at = finished ? Date.parse(finished) : undefined;
    if (at !== undefined && (latest === undefined || at > latest)) latest = at;
  }
  return latest;
}

export function podFailureBackoff(failures: number, baseMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(baseMs * 2 ** (failures - 1), (POD_FAILURE_BACKOFF_MAX_MS / POD_FAILURE_BACKOFF_MS) * baseMs);
}

export function decideJob(job: Job, pods: readonly Pod[], timing: JobTiming): JobDecision {
  const { now } = timing;
  const nowText = rfc3339(now);
  const previous = job.status ?? {};
  const conditions = [...(previous.conditions ?? [])];
  const has = (type: string): boolean => conditionOf(conditions, type)?.status === "True";
  const keep: JobDecision = { createPod: false, deletePods: [], deleteJob: false, status: previous };

  const finished = finishedAt(job);
  if (has("Complete") || has("Failed")) {
    const ttl = job.spec.ttlSecondsAfterFinished;
    if (ttl === undefined || finished === undefined) return keep;
    const expiresAt = finished + ttl * 1000;
    return expiresAt <= now ? { ...keep, deleteJob: true } : { ...keep, requeueAfterMs: expiresAt - now };
  }

  const running = pods.filter((pod) => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp);
  const terminating = pods.filter((pod) => !isPodTerminal(pod) && pod.metadata.deletionTimestamp);
  const succeeded = pods.filter((pod) => pod.status?.phase === "Succeeded").length;
  const failed = pods.filter((pod) => pod.status?.phase === "Failed").length;
  const startTime = previous.startTime ?? nowText;
  const status: JobStatus = {
    ...previous,
    startTime,
    active: running.length,
    ready: running.filter(isPodReady).length,
    terminating: terminating.length,
    succeeded,
    failed,
    conditions,
  };
  const decision: JobDecision = { createPod: false, deletePods: [], deleteJob: false, status };
  const stillRunning = running.length + terminating.length > 0;

  const deadlineMs =
    job.spec.activeDeadlineSeconds === undefined
      ? undefined
      : Date.parse(startTime) + job.spec.activeDeadlineSeconds * 1000;
  let failure: { reason: string; message: string } | undefined;
  if (has("FailureTarget")) {
    const target = conditionOf(conditions, "FailureTarget");
    failure = { reason: target?.reason ?? "", message: target?.message ?? "" };
  } else if (succeeded === 0 && failed > (job.spec.backoffLimit ?? DEFAULT_BACKOFF_LIMIT)) {
    failure = REASONS.backoff;
  } else if (succeeded === 0 && deadlineMs !== undefined && deadlineMs <= now) {
    failure = REASONS.deadline;
  }

  if (failure) {
    if (!has("FailureTarget")) conditions.push(condition("FailureTarget", failure, nowText));
    decision.deletePods = running.map((pod) => pod.metadata.name);
    if (!stillRunning) {
      conditions.push(condition("Failed", failure, nowText));
      if (job.spec.ttlSecondsAfterFinished !== undefined)
        decision.requeueAfterMs = job.spec.ttlSecondsAfterFinished * 1000;
    }
    return decision;
  }

  if (succeeded > 0) {
    if (!has("SuccessCriteriaMet")) conditions.push(condition("SuccessCriteriaMet", REASONS.complete, nowText));
    if (!stillRunning) {
      conditions.push(condition("Complete", REASONS.complete, nowText));
      status.completionTime = nowText;
      if (job.spec.ttlSecondsAfterFinished !== undefined)
        decision.requeueAfterMs = job.spec.ttlSecondsAfterFinished * 1000;
    }
    return decision;
  }

  if (!stillRunning) {
    const readyAt = (lastFailureAt(pods) ?? 0) + podFailureBackoff(failed, timing.podFailureBackoffMs);
    if (readyAt <= now) {
      decision.createPod = true;
      status.active = 1;
    } else {
      decision.requeueAfterMs = readyAt - now;
    }
  }
  if (deadlineMs !== undefined && decision.requeueAfterMs === undefined)
    decision.requeueAfterMs = Math.max(0, deadlineMs - now);
  return decision;
}

/** Whether the decision changes what is stored (status is written only then). */
export function jobStatusChanged(before: JobStatus | undefined, after: JobStatus): boolean {
  return JSON.stringify(before ?? {}) !== JSON.stringify(after);
}
