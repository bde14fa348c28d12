/**
 * Drain decisions, pure, with kubectl drain's rules (k8s.io/kubectl/pkg/drain filters):
 * - only pods matching `podSelector` are considered; mirror pods are never evicted;
 * - DaemonSet pods are left in place with `ignoreDaemonSets`, else they block the drain;
 * - pods with emptyDir volumes are evicted only with `deleteEmptyDirData`, else they block;
 * - bare pods (no controller) are deleted only with `force`, else they block;
 * - finished pods (Succeeded/Failed) never block;
 * - a pod deleted more than `skipWaitForDeleteTimeoutSeconds` ago is not waited for.
 * Like kubectl, a drain with any blocking pod evicts nothing: it reports the blockers and waits
 * (a person may fix them) until the drain timeout fails the attempt.
 */
import type { DrainSpec } from "../api/common.ts";
import { isKubeError } from "../runtime/kube/errors.ts";
import { controllerOf, isMirrorPod, type PodObject } from "./kube-objects.ts";
import { matchesLabelSelector } from "./selector.ts";

export interface DrainPlan {
  /** Pods to evict (or delete, with disableEviction) now. */
  evict: PodObject[];
  /** Pods already terminating that the drain still waits for. */
  terminating: PodObject[];
  /** Why the drain cannot proceed, one line per blocking pod. */
  blockers: string[];
  done: boolean;
}

const podName = (pod: PodObject): string => `${pod.metadata.namespace ?? ""}/${pod.metadata.name}`;

function isFinished(pod: PodObject): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export function planDrain(pods: readonly PodObject[], spec: DrainSpec, now: number): DrainPlan {
  const plan: DrainPlan = { evict: [], terminating: [], blockers: [], done: false };
  for (const pod of pods) {
    if (isMirrorPod(pod) || !matchesLabelSelector(spec.podSelector, pod.metadata.labels)) continue;
    const deletedAt =
      pod.metadata.deletionTimestamp === undefined ? undefined : Date.parse(pod.metadata.deletionTimestamp);
    if (deletedAt !== undefined) {
      const skipAfter = spec.skipWaitForDeleteTimeoutSeconds;
      if (skipAfter !== undefined && skipAfter > 0 && now - deletedAt > skipAfter * 1000) continue;
      plan.terminating.push(pod);
      continue;
    }
    const verdict = verdictOf(pod, spec);
    if (verdict.kind === "block") plan.blockers.push(verdict.message);
    else if (verdict.kind === "evict") plan.evict.push(pod);
  }
  if (plan.blockers.length > 0) plan.evict = [];
  plan.done = plan.evict.length === 0 && plan.terminating.length === 0 && plan.blockers.length === 0;
  return plan;
}

type PodVerdict = { kind: "evict" } | { kind: "leave" } | { kind: "block"; message: string };

function verdictOf(pod: PodObject, spec: DrainSpec): PodVerdict {
  const controller = controllerOf(pod);
  if (controller?.kind === "DaemonSet") {
    if (spec.ignoreDaemonSets) return { kind: "leave" };
    return {
      kind: "block",
      message: `${podName(pod)} is managed by DaemonSet ${controller.name} (set ignoreDaemonSets to leave it)`,
    };
  }
  if (isFinished(pod)) return { kind: "evict" };
  if (!spec.deleteEmptyDirData && (pod.spec?.volumes ?? []).some((volume) => volume.emptyDir !== undefined)) {
    return {
      kind: "block",
      message: `${podName(pod)} uses emptyDir (set deleteEmptyDirData to evict it and lose that data)`,
    };
  }
  if (controller === undefined && !spec.force)
    return { kind: "block", message: `${podName(pod)} has no controller (set force to delete it)` };
  return { kind: "evict" };
}

/** What a failed eviction means for the drain. */
export type EvictionFailure =
  | { kind: "gone" }
  /** A PodDisruptionBudget refused (429): retry with backoff. */
  | { kind: "budget"; pdb: string | undefined; message: string }
  /** Retrying cannot help until a person changes something (two budgets match the pod). */
  | { kind: "misconfigured"; message: string }
  | { kind: "retry"; message: string };

const BUDGET_NAME = /disruption budget ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/i;

export function classifyEvictionError(err: unknown, pod: PodObject): EvictionFailure {
  const name = podName(pod);
  if (isKubeError(err, "NotFound")) return { kind: "gone" };
  const message = err instanceof Error ? err.message : String(err);
  if (isKubeError(err, "TooManyRequests")) {
    const causes = err.details.causes ?? [];
    const cause =
      causes.find((c) => c.reason === "DisruptionBudget") ?? causes.find((c) => BUDGET_NAME.test(c.message ?? ""));
    const pdb = BUDGET_NAME.exec(cause?.message ?? message)?.[1];
    if (pdb === undefined && cause === undefined && !/disruption budget/i.test(message)) {
      return { kind: "retry", message: `eviction of ${name} throttled by the API server: ${message}` };
    }
    return {
      kind: "budget",
      pdb,
      message:
        `eviction of ${name} refused by PodDisruptionBudget ${pdb ?? "(unnamed)"}` +
        (cause?.message ? `: ${cause.message}` : ""),
    };
  }
  // The eviction subresource answers 500 when two budgets select one pod; it never will succeed.
  if (/more than one PodDisruptionBudget/i.test(message)) {
    return {
      kind: "misconfigured",
      message:
        `${name} is selected by more than one PodDisruptionBudget, which the eviction API refuses: ` +
        "fix the budgets, then retry",
    };
  }
  return { kind: "retry", message: `eviction of ${name} failed: ${message}` };
}
