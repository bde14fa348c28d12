/**
 * The caches the rollout engine reads, shared by every controller built on it (UpgradePlan,
 * CertRotation; the operator's context hands out one set per leadership term, controllers/context.ts)
 * so that one watch per kind serves them all and each sees the others' claims:
 * every Node, the control-plane mirror pods in kube-system, the operator's node Jobs, and the
 * disruption Lease. Our own writes are layered over them (fresh.ts).
 */
import type { Logger } from "../observability/logger.ts";
import {
  ACTION_LABEL,
  JOB_RESOURCE,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NODE_LABEL,
  OWNER_KIND_LABEL,
  OWNER_LABEL,
  POD_RESOURCE,
  type Job,
} from "../nodeops/job.ts";
import type { Clock } from "../runtime/clock.ts";
import type { ManagedInformer } from "../runtime/controller-module.ts";
import { Informer, type ResourceEventHandler } from "../runtime/informer.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { LEASE_RESOURCE, type Lease } from "../runtime/lease.ts";
import { RecentWrites } from "./fresh.ts";
import { cachedJob, cachedNode, cachedPod, NODE_RESOURCE, type NodeObject, type PodObject } from "./kube-objects.ts";
import { DISRUPTION_LOCK_NAME } from "./lock.ts";

export const JOBS_BY_OWNER_NODE = "owner-node";
/** Jobs of one action of one owner, on any node: `jobIndexKey(action, kind, owner, "")`. */
export const JOBS_BY_OWNER = "owner";
export const MIRROR_POD_NAMESPACE = "kube-system";
/** Static pods whose mirror pods the health gate and the quorum guard read (RKE2 labels them `component`). */
export const CONTROL_PLANE_COMPONENTS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
] as const;

/** Jobs of one action of one owner on one node (an owner may run other actions, e.g. snapshots). */
export function jobIndexKey(action: string, ownerKind: string, ownerName: string, node: string): string {
  return `${action}/${ownerKind.toLowerCase()}/${ownerName}/${node}`;
}

/** `<action>/<owner-kind>/<owner>/<node>` from a node Job's labels; empty when they are missing. */
export function jobIndexOf(job: Job): string {
  const labels = job.metadata.labels ?? {};
  const [action, kind, owner, node] = [
    labels[ACTION_LABEL],
    labels[OWNER_KIND_LABEL],
    labels[OWNER_LABEL],
    labels[NODE_LABEL],
  ];
  return action && kind && owner && node ? jobIndexKey(action, kind, owner, node) : "";
}

/** The node a mirror pod belongs to: its spec.nodeName, else the node part of `<component>-<node>`. */
function mirrorPodNode(pod: PodObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const component = CONTROL_PLANE_COMPONENTS.find((c) => pod.metadata.name.startsWith(`${c}-`));
  return component === undefined ? undefined : pod.metadata.name.slice(component.length + 1);
}

/** Tells `memo` which node a mirror pod or node Job change concerns (observation-memo.ts). */
export function touchNodesOnChange(caches: RolloutCaches, memo: { touch(node: string): void }): void {
  const touching = <T>(nodeOf: (object: T) => string | undefined): ResourceEventHandler<T> => {
    const touch = (object: T): void => {
      const node = nodeOf(object);
      if (node !== undefined) memo.touch(node);
    };
    return {
      onAdd: touch,
      onUpdate: (previous, current) => {
        touch(previous);
        touch(current);
      },
      onDelete: touch,
    };
  };
  caches.mirrorPods.addHandler(touching(mirrorPodNode));
  caches.jobs.addHandler(touching((job: Job) => job.metadata.labels?.[NODE_LABEL]));
}

export interface RolloutCaches {
  nodes: Informer<NodeObject>;
  mirrorPods: Informer<PodObject>;
  jobs: Informer<Job>;
  lease: Informer<Lease>;
  nodeWrites: RecentWrites<NodeObject>;
  leaseWrites: RecentWrites<Lease>;
  /** Hand these to the controller module; the set is rebuilt after they were stopped. */
  informers: ManagedInformer[];
  lockNamespace: string;
  lockName: string;
  jobNamespace: string;
}

export interface RolloutCachesOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  /** The operator's namespace: the disruption Lease lives there. */
  namespace: string;
  jobNamespace: string;
}

export function createRolloutCaches(options: RolloutCachesOptions): RolloutCaches {
  const base = { port: options.port, clock: options.clock, logger: options.log };
  // Only what the engine reads is cached (kube-objects.ts): a real Node is 15-40 KB, its cached part ~1 KB.
  const nodes = new Informer<NodeObject>({ ...base, type: NODE_RESOURCE, transform: cachedNode });
  const mirrorPods = new Informer<PodObject>({
    ...base,
    type: POD_RESOURCE,
    transform: cachedPod,
    namespace: MIRROR_POD_NAMESPACE,
    labelSelector: `component in (${CONTROL_PLANE_COMPONENTS.join(",")})`,
  });
  const jobs = new Informer<Job>({
    ...base,
    type: JOB_RESOURCE,
    namespace: options.jobNamespace,
    labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}`,
    transform: cachedJob,
    indexers: {
      [JOBS_BY_OWNER_NODE]: (job) => {
        const key = jobIndexOf(job);
        return key === "" ? [] : [key];
      },
      [JOBS_BY_OWNER]: (job) => {
        const key = jobIndexOf(job);
        return key === "" ? [] : [key.slice(0, key.lastIndexOf("/") + 1)];
      },
    },
  });
  const lease = new Informer<Lease>({
    ...base,
    type: LEASE_RESOURCE,
    namespace: options.namespace,
    fieldSelector: `metadata.name=${DISRUPTION_LOCK_NAME}`,
  });
  const nodeWrites = new RecentWrites<NodeObject>(options.clock);
  const leaseWrites = new RecentWrites<Lease>(options.clock);
  nodes.addHandler(nodeWrites.handler());
  lease.addHandler(leaseWrites.handler());
  const all = [nodes, mirrorPods, jobs, lease];
  const runnable: ManagedInformer = {
    get synced() {
      return Promise.all(all.map((informer) => informer.synced)).then(() => undefined);
    },
    hasSynced: () => all.every((informer) => informer.hasSynced()),
    start: () => {
      for (const informer of all) informer.start();
    },
    stop: async () => {
      await Promise.all(all.map((informer) => informer.stop()));
    },
  };
  return {
    nodes,
    mirrorPods,
    jobs,
    lease,
    nodeWrites,
    leaseWrites,
    informers: [runnable],
    lockNamespace: options.namespace,
    lockName: DISRUPTION_LOCK_NAME,
    jobNamespace: options.jobNamespace,
  };
}
