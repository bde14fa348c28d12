/** Builds the engine's pure input from the shared caches (and our own recent writes). */
import type { LabelSelector } from "../api/common.ts";
import { nodeJobName, type Job } from "../nodeops/job.ts";
import type { NodeAction } from "../nodeops/results.ts";
import { mirrorPodNames, rolesFromLabels, runsLinuxNodeJobs, tierOf } from "../rke2/roles.ts";
import { objectKey } from "../runtime/kube/types.ts";
import { ownerId, readClaim, recordedDurationMs, targetHash } from "./claim.ts";
import type { RolloutCaches } from "./informers.ts";
import { JOBS_BY_OWNER_NODE, MIRROR_POD_NAMESPACE, jobIndexKey } from "./informers.ts";
import {
  conditionOf,
  isNodeReady,
  isPodReady,
  kubeletVersionOf,
  transitionMs,
  type NodeObject,
  type PodObject,
} from "./kube-objects.ts";
import { lockHolder } from "./lock.ts";
import { matchesLabelSelector } from "./selector.ts";
import type {
  LockView,
  ObservedJob,
  ObservedNode,
  RolloutGates,
  RolloutInput,
  RolloutOwner,
  RolloutPolicy,
} from "./types.ts";

/** What an owner (UpgradePlan, CertRotation) asks of the engine for one round. */
export interface RolloutRequest {
  owner: RolloutOwner;
  action: NodeAction;
  /** What nodes are brought to (a version, a rotation round); done nodes carry its hash. */
  target: string;
  /** The owner's completion label key (claim.ts completionLabelKey). */
  completionLabel: string;
  nodeSelector: LabelSelector | undefined;
  policy: RolloutPolicy;
  mayStart: boolean;
  retryFailed: boolean;
  /** The owner is being deleted (types.ts RolloutInput.releasing). */
  releasing?: boolean;
  /** The node Job for an attempt; its name must be `jobName(node, identity)`. */
  buildJob: (node: string, identity: string) => Job;
  /** A node already in the target state needs only the label (e.g. kubelet at the target version). */
  isSatisfied?: (node: NodeObject) => boolean;
  /** Nodes the owner refuses to touch although its selector matches them (never selected). */
  excludedNodes?: ReadonlySet<string>;
  maxStatusNodes: number;
  /** Approval, blockers and tier soak (tier-gates.ts); absent gates nothing. */
  gates?: RolloutGates | undefined;
}

/** Identity of an attempt's Job: a new attempt or a new target gets a new Job name. */
export function attemptIdentity(target: string, attempt: number): string {
  return identityOf(targetHash(target), attempt);
}

function identityOf(hash: string, attempt: number): string {
  return `${hash}#${attempt}`;
}

export function jobNameFor(
  request: Pick<RolloutRequest, "action" | "owner" | "target">,
): (node: string, attempt: number) => string {
  const hash = targetHash(request.target);
  return (node, attempt) => nodeJobName(request.action, request.owner.name, node, identityOf(hash, attempt));
}

export function observeJob(job: Job, failureMessages: ReadonlyMap<string, string>): ObservedJob {
  const conditions = job.status?.conditions ?? [];
  const final = conditions.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  const finishedAt = Date.parse(
    job.status?.completionTime ?? (final as { lastTransitionTime?: string } | undefined)?.lastTransitionTime ?? "",
  );
  const base = { name: job.metadata.name, deleting: job.metadata.deletionTimestamp !== undefined };
  const finished = Number.isFinite(finishedAt) ? { finishedAtMs: finishedAt } : {};
  if (final?.type === "Complete") return { ...base, state: "Succeeded", ...finished };
  if (final?.type === "Failed") {
    const message = failureMessages.get(job.metadata.name) ?? [final.reason, final.message].filter(Boolean).join(": ");
    return { ...base, state: "Failed", ...finished, message: message || "the node Job failed" };
  }
  return { ...base, state: "Running" };
}

/** Every node as the engine sees it; fresh from our own writes where the cache lags. */
export function currentNodes(caches: RolloutCaches): NodeObject[] {
  return caches.nodes.cache.list().map((node) => caches.nodeWrites.resolve(node, objectKey(node.metadata)) ?? node);
}

/** What observing one node needs besides the node: its Jobs and mirror pods (from the caches). */
export interface NodeLookups {
  jobsOf: (node: string) => readonly Job[];
  mirrorPod: (name: string) => PodObject | undefined;
  failureMessages: ReadonlyMap<string, string>;
}

/** Without caches (the CLI's preview): no Jobs, no mirror pods; what a preview reads is on the Node. */
export const NO_LOOKUPS: NodeLookups = { jobsOf: () => [], mirrorPod: () => undefined, failureMessages: new Map() };

export type NodeRequest = Pick<
  RolloutRequest,
  "target" | "completionLabel" | "nodeSelector" | "isSatisfied" | "excludedNodes"
>;

export function observeNode(node: NodeObject, request: NodeRequest, lookups: NodeLookups): ObservedNode {
  const hash = targetHash(request.target);
  const name = node.metadata.name;
  const roles = rolesFromLabels(node.metadata.labels);
  const ready = conditionOf(node, "Ready");
  return {
    name,
    resourceVersion: node.metadata.resourceVersion ?? "",
    roles,
    tier: tierOf(roles),
    selected:
      runsLinuxNodeJobs(node.metadata.labels) &&
      matchesLabelSelector(request.nodeSelector, node.metadata.labels) &&
      !request.excludedNodes?.has(name),
    ready: isNodeReady(node),
    readySinceMs: transitionMs(ready),
    unschedulable: node.spec?.unschedulable === true,
    kubeletVersion: kubeletVersionOf(node),
    claim: readClaim(node.metadata.annotations),
    doneHash: node.metadata.labels?.[request.completionLabel],
    mirrorPods: mirrorPodNames(name, roles).map((podName) => {
      const pod = lookups.mirrorPod(podName);
      return {
        name: podName,
        exists: pod !== undefined,
        ready: pod !== undefined && isPodReady(pod),
        readySinceMs: pod ? transitionMs(conditionOf(pod, "Ready")) : 0,
      };
    }),
    jobs: lookups.jobsOf(name).map((job) => observeJob(job, lookups.failureMessages)),
    satisfied: hash !== node.metadata.labels?.[request.completionLabel] && (request.isSatisfied?.(node) ?? false),
    measuredDurationMs: recordedDurationMs(node.metadata.annotations, request.completionLabel, hash),
  };
}

/** The caches' Jobs of the owner and mirror pods, for observing its nodes (observation-memo.ts). */
export function cacheLookups(
  caches: RolloutCaches,
  request: Pick<RolloutRequest, "action" | "owner">,
  failureMessages: ReadonlyMap<string, string>,
): NodeLookups {
  return {
    jobsOf: (name) =>
      caches.jobs.cache.byIndex(
        JOBS_BY_OWNER_NODE,
        jobIndexKey(request.action, request.owner.kind, request.owner.name, name),
      ),
    mirrorPod: (name) => caches.mirrorPods.cache.get(`${MIRROR_POD_NAMESPACE}/${name}`),
    failureMessages,
  };
}

export function buildInput(
  request: RolloutRequest,
  nodes: readonly ObservedNode[],
  lock: LockView,
  now: number,
): RolloutInput {
  return {
    now,
    owner: ownerId(request.owner.kind, request.owner.name),
    targetHash: targetHash(request.target),
    nodes,
    policy: request.policy,
    mayStart: request.mayStart,
    retryFailed: request.retryFailed,
    releasing: request.releasing ?? false,
    lock,
    gates: request.gates,
    jobName: jobNameFor(request),
  };
}

export function currentLockHolder(caches: RolloutCaches): string | undefined {
  const key = `${caches.lockNamespace}/${caches.lockName}`;
  return lockHolder(caches.leaseWrites.resolve(caches.lease.cache.get(key), key));
}
