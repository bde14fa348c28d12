/**
 * Wiring of the EtcdSnapshotPolicy controller: the informers it reads (the term's snapshot caches,
 * caches.ts, which the pre-upgrade snapshot shares) and the keys their changes enqueue.
 * Everything it decides lives in decide.ts; what it does, in reconciler.ts.
 */
import { upgradePlanResource, type UpgradePlan } from "../../api/upgradeplan.ts";
import { createEventRecorder, type EventRecorder } from "../../observability/events.ts";
import { reconcileObserver } from "../../observability/metrics.ts";
import { OWNER_KIND_LABEL, OWNER_LABEL } from "../../nodeops/job.ts";
import type { ControllerModule } from "../../runtime/controller-module.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer } from "../../runtime/informer.ts";
import { openS3Store, type ObjectStoreFactory } from "../../storage/s3-store.ts";
import type { OperatorContext } from "../context.ts";
import { snapshotCaches } from "./caches.ts";
import { reconcilePolicy } from "./reconciler.ts";
import { isPolicySnapshot } from "./retention.ts";

export const CONTROLLER_NAME = "etcdsnapshotpolicy";

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
  const caches = snapshotCaches(context);
  // Plans that take their pre-upgrade snapshot with a policy: its retention prunes those snapshots
  // once the plan succeeded (spec.retention.protectPreUpgradeFor).
  const plans = new Informer<UpgradePlan>({ port, type: upgradePlanResource, clock, logger });

  const events = options.events ?? createEventRecorder({ port, clock, log: logger });
  const deps = {
    port,
    clock,
    metrics: context.metrics,
    events,
    caches: {
      policies: caches.policies,
      jobs: caches.jobs.cache,
      pods: caches.pods.cache,
      etcdNodes: caches.etcdNodes.cache,
      etcdMirrorPods: caches.etcdMirrorPods.cache,
      records: caches.records.cache,
      plans: plans.cache,
    },
    recordsServed: () => caches.records.served() !== false,
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

  const allPolicies = (): string[] => caches.policyInformer.cache.keys();
  // A Job or pod of a policy wakes that policy; one of another owner (a pre-upgrade save) may
  // free a node someone waits for, so it wakes every policy (there are few).
  const ownerOf = (object: { metadata: { labels?: Record<string, string> } }): string | string[] =>
    object.metadata.labels?.[OWNER_KIND_LABEL] === "etcdsnapshotpolicy"
      ? (object.metadata.labels[OWNER_LABEL] ?? "")
      : allPolicies();
  caches.policyInformer.addHandler(enqueueOnChange(controller.queue));
  caches.jobs.addHandler(enqueueOnChange(controller.queue, ownerOf));
  caches.pods.addHandler(enqueueOnChange(controller.queue, ownerOf));
  plans.addHandler(enqueueOnChange(controller.queue, (plan) => plan.spec.snapshot?.policyRef ?? []));
  caches.recordsInformer.addHandler(
    enqueueOnChange(controller.queue, (record) =>
      allPolicies().filter((policy) =>
        isPolicySnapshot(policy, { name: record.spec.snapshotName, node: record.spec.nodeName }),
      ),
    ),
  );
  caches.onRecordsAvailability(() => {
    for (const policy of allPolicies()) controller.queue.add(policy);
  });

  return { name: CONTROLLER_NAME, informers: [...caches.informers, plans], controller };
}
