/**
 * The caches of etcd snapshots: policies, snapshot Jobs and their pods, etcd members and their
 * mirror pods, RKE2's ETCDSnapshotFile records. One set per term (OperatorContext.shared), read by
 * the EtcdSnapshotPolicy controller and by the pre-upgrade snapshot of the UpgradePlan controller,
 * so both are served by one watch per kind.
 */
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../api/etcdsnapshotpolicy.ts";
import {
  ACTION_LABEL,
  JOB_RESOURCE,
  OWNER_KIND_LABEL,
  OWNER_LABEL,
  POD_RESOURCE,
  type Job,
} from "../../nodeops/job.ts";
import { ETCD_ROLE_LABEL } from "../../rke2/roles.ts";
import { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import { cachedJob, cachedNode, cachedPod } from "../../rollout/kube-objects.ts";
import type { ManagedInformer } from "../../runtime/controller-module.ts";
import { Informer, type InformerOptions } from "../../runtime/informer.ts";
import { NODE_RESOURCE } from "../../runtime/kube/core-resources.ts";
import type { KubeObject, ResourceType } from "../../runtime/kube/types.ts";
import { OptionalInformer } from "../../runtime/optional-informer.ts";
import { labelIndex } from "../../runtime/store.ts";
import type { OperatorContext, SharedKey } from "../context.ts";
import { ETCD_MIRROR_POD_NAMESPACE, ETCD_MIRROR_POD_SELECTOR, type NodeLike, type PodLike } from "./nodes.ts";
import type { JobPod } from "./runs.ts";

export const JOBS_BY_OWNER = "byOwner";
export const PODS_BY_JOB = "byJob";
const SNAPSHOT_JOBS_SELECTOR = `${ACTION_LABEL} in (snapshot-save,snapshot-delete,restore-drill)`;
/** How often to look for the ETCDSnapshotFile CRD again while it is missing. */
const RECORDS_RECHECK_MS = 5 * 60_000;

export interface SnapshotCaches {
  policyInformer: Informer<EtcdSnapshotPolicy>;
  /** The policies, seen through the policy controller's own status writes. */
  policies: StoreWithOwnWrites<EtcdSnapshotPolicy>;
  /** snapshot-save, snapshot-delete and restore-drill Jobs of every owner, indexed by `<owner-kind>/<owner>`. */
  jobs: Informer<Job>;
  /** Their pods, indexed by Job name. */
  pods: Informer<JobPod & KubeObject>;
  etcdNodes: Informer<NodeLike>;
  etcdMirrorPods: Informer<PodLike>;
  /** RKE2's records; absent on releases without the CRD (`records.served()`). */
  records: OptionalInformer<EtcdSnapshotFile>;
  recordsInformer: Informer<EtcdSnapshotFile>;
  /** Calls `listener` when the records CRD becomes served or absent. */
  onRecordsAvailability(listener: () => void): void;
  informers: ManagedInformer[];
}

const SNAPSHOT_CACHES: SharedKey<SnapshotCaches> = { name: "etcd-snapshot-caches" };

/** The term's snapshot caches, made on first use. */
export function snapshotCaches(context: OperatorContext): SnapshotCaches {
  return context.shared(SNAPSHOT_CACHES, () => createSnapshotCaches(context));
}

function createSnapshotCaches(context: OperatorContext): SnapshotCaches {
  const { port, clock, log, config } = context;
  const logger = log.child({ caches: "etcd-snapshots" });
  const informer = <T extends KubeObject>(
    type: ResourceType,
    extra: Omit<InformerOptions<T>, "port" | "type" | "clock" | "logger"> = {},
  ): Informer<T> => new Informer<T>({ port, type, clock, logger, ...extra });

  const policyInformer = informer<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource);
  const jobs = informer<Job>(JOB_RESOURCE, {
    namespace: config.jobsNamespace,
    labelSelector: SNAPSHOT_JOBS_SELECTOR,
    transform: cachedJob,
    indexers: {
      [JOBS_BY_OWNER]: (job) => [
        `${job.metadata.labels?.[OWNER_KIND_LABEL] ?? ""}/${job.metadata.labels?.[OWNER_LABEL] ?? ""}`,
      ],
    },
  });
  // Nodes and pods are cached slim (rollout/kube-objects.ts): what runs.ts and nodes.ts read.
  const pods = informer<JobPod & KubeObject>(POD_RESOURCE, {
    namespace: config.jobsNamespace,
    labelSelector: SNAPSHOT_JOBS_SELECTOR,
    indexers: { [PODS_BY_JOB]: labelIndex("job-name") },
    transform: cachedPod,
  });
  const etcdNodes = informer<NodeLike>(NODE_RESOURCE, {
    labelSelector: `${ETCD_ROLE_LABEL}=true`,
    transform: cachedNode,
  });
  const etcdMirrorPods = informer<PodLike>(POD_RESOURCE, {
    namespace: ETCD_MIRROR_POD_NAMESPACE,
    labelSelector: ETCD_MIRROR_POD_SELECTOR,
    transform: cachedPod,
  });
  // RKE2 releases without the ETCDSnapshotFile CRD exist: its absence must not keep the
  // controllers (and /readyz) waiting; policies say it in a condition instead.
  const recordsInformer = informer<EtcdSnapshotFile>(etcdSnapshotFileResource);
  const availabilityListeners: (() => void)[] = [];
  const records = new OptionalInformer({
    inner: recordsInformer,
    port,
    type: etcdSnapshotFileResource,
    clock,
    logger,
    recheckMs: RECORDS_RECHECK_MS,
    onChange: () => {
      for (const listener of availabilityListeners) listener();
    },
  });
  return {
    policyInformer,
    policies: new StoreWithOwnWrites(policyInformer, clock),
    jobs,
    pods,
    etcdNodes,
    etcdMirrorPods,
    records,
    recordsInformer,
    onRecordsAvailability: (listener) => {
      availabilityListeners.push(listener);
    },
    informers: [policyInformer, jobs, pods, etcdNodes, etcdMirrorPods, records],
  };
}
