/**
 * Wiring of the EtcdSnapshotPolicy controller: the informers it reads and the keys their changes
 * enqueue. Everything it decides lives in decide.ts; what it does, in reconciler.ts.
 */
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../../api/upgradeplan.ts";
import { createEventRecorder, type EventRecorder } from "../../observability/events.ts";
import { reconcileObserver } from "../../observability/metrics.ts";
import {
  ACTION_LABEL,
  JOB_RESOURCE,
  OWNER_KIND_LABEL,
  OWNER_LABEL,
  POD_RESOURCE,
  type Job,
} from "../../nodeops/job.ts";
import { NODE_RESOURCE } from "../../runtime/kube/core-resources.ts";
import type { ControllerModule } from "../../runtime/controller-module.ts";
import { ETCD_ROLE_LABEL } from "../../rke2/roles.ts";
import { cachedNode, cachedPod } from "../../rollout/kube-objects.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer, type InformerOptions } from "../../runtime/informer.ts";
import { OptionalInformer } from "../../runtime/optional-informer.ts";
import type { KubeObject, ResourceType } from "../../runtime/kube/types.ts";
import { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import { labelIndex } from "../../runtime/store.ts";
import { openS3Store, type ObjectStoreFactory } from "../../storage/s3-store.ts";
import type { OperatorContext } from "../context.ts";
import { ETCD_MIRROR_POD_NAMESPACE, ETCD_MIRROR_POD_SELECTOR, type NodeLike, type PodLike } from "./nodes.ts";
import { JOBS_BY_OWNER, PODS_BY_JOB, reconcilePolicy } from "./reconciler.ts";
import type { JobPod } from "./runs.ts";
import { isPolicySnapshot } from "./retention.ts";

export const CONTROLLER_NAME = "etcdsnapshotpolicy";
const SNAPSHOT_JOBS_SELECTOR = `${ACTION_LABEL} in (snapshot-save,snapshot-delete,restore-drill)`;
/** How often to look for the ETCDSnapshotFile CRD again while it is missing. */
const RECORDS_RECHECK_MS = 5 * 60_000;

export interface EtcdSnapshotPolicyOptions {
  /** The operator's S3 client; tests pass one for a loopback server. */
  openStore?: ObjectStoreFactory;
  events?: EventRecorder;
}

export function createEtcdSnapshotPolicyController(
  context: OperatorContext,
  options: EtcdSnapshotPolicyOptions = {},
): ControllerModule {
  const { port, clock, log, config } = context;
  const logger = log.child({ controller: CONTROLLER_NAME });
  const informer = <T extends KubeObject>(
    type: ResourceType,
    extra: Omit<InformerOptions<T>, "port" | "type" | "clock" | "logger"> = {},
  ): Informer<T> => new Informer<T>({ port, type, clock, logger, ...extra });

  const policies = informer<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource);
  const jobs = informer<Job>(JOB_RESOURCE, {
    namespace: config.jobsNamespace,
    labelSelector: SNAPSHOT_JOBS_SELECTOR,
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
  // Plans that take their pre-upgrade snapshot with a policy: its retention prunes those snapshots
  // once the plan succeeded (spec.retention.protectPreUpgradeFor).
  const plans = informer<UpgradePlan>(upgradePlanResource);
  const etcdMirrorPods = informer<PodLike>(POD_RESOURCE, {
    namespace: ETCD_MIRROR_POD_NAMESPACE,
    labelSelector: ETCD_MIRROR_POD_SELECTOR,
    transform: cachedPod,
  });
  // RKE2 releases without the ETCDSnapshotFile CRD exist: its absence must not keep the
  // controller (and /readyz) waiting; policies say it in a condition instead.
  const recordsInformer = informer<EtcdSnapshotFile>(etcdSnapshotFileResource);
  const records = new OptionalInformer({
    inner: recordsInformer,
    port,
    type: etcdSnapshotFileResource,
    clock,
    logger,
    recheckMs: RECORDS_RECHECK_MS,
    onChange: () => {
      for (const policy of allPolicies()) controller.queue.add(policy);
    },
  });

  const events = options.events ?? createEventRecorder({ port, clock, log: logger });
  const deps = {
    port,
    clock,
    metrics: context.metrics,
    events,
    caches: {
      policies: new StoreWithOwnWrites(policies, clock),
      jobs: jobs.cache,
      pods: pods.cache,
      etcdNodes: etcdNodes.cache,
      etcdMirrorPods: etcdMirrorPods.cache,
      records: records.cache,
      plans: plans.cache,
    },
    recordsServed: () => records.served() !== false,
    openStore: options.openStore ?? openS3Store,
    config: { namespace: config.namespace, jobsNamespace: config.jobsNamespace, nodeAgentImage: config.nodeAgentImage },
  };
  const controller = new Controller({
    name: CONTROLLER_NAME,
    clock,
    logger: log, // the Controller adds its own `controller` binding
    concurrency: config.workers,
    observer: reconcileObserver(context.metrics),
    reconcile: (key, { log: keyLog }) => reconcilePolicy(deps, key, keyLog),
  });

  const allPolicies = (): string[] => policies.cache.keys();
  // A Job or pod of a policy wakes that policy; one of another owner (a pre-upgrade save) may
  // free a node someone waits for, so it wakes every policy (there are few).
  const ownerOf = (object: { metadata: { labels?: Record<string, string> } }): string | string[] =>
    object.metadata.labels?.[OWNER_KIND_LABEL] === "etcdsnapshotpolicy"
      ? (object.metadata.labels[OWNER_LABEL] ?? "")
      : allPolicies();
  policies.addHandler(enqueueOnChange(controller.queue));
  jobs.addHandler(enqueueOnChange(controller.queue, ownerOf));
  pods.addHandler(enqueueOnChange(controller.queue, ownerOf));
  plans.addHandler(enqueueOnChange(controller.queue, (plan) => plan.spec.snapshot?.policyRef ?? []));
  recordsInformer.addHandler(
    enqueueOnChange(controller.queue, (record) =>
      allPolicies().filter((policy) =>
        isPolicySnapshot(policy, { name: record.spec.snapshotName, node: record.spec.nodeName }),
      ),
    ),
  );

  return {
    name: CONTROLLER_NAME,
    informers: [policies, jobs, pods, etcdNodes, etcdMirrorPods, records, plans],
    controller,
  };
}
