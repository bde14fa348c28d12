/**
 * The EtcdSnapshotPolicy reconcile: gather what the caches and S3 say, call `decide`, carry out
 * what it decided in an order that keeps every step safe to repeat.
 */
import {
  parseEtcdSnapshotPolicySpec,
  etcdSnapshotPolicyResource,
  type EtcdSnapshotPolicy,
} from "../../api/etcdsnapshotpolicy.ts";
import type { EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import type { UpgradePlan } from "../../api/upgradeplan.ts";
import { durationToMs } from "../../api/duration.ts";
import type { EventRecorder } from "../../observability/events.ts";
import type { Logger } from "../../observability/logger.ts";
import type { OperatorMetrics } from "../../observability/metrics.ts";
import { ACTION_LABEL, JOB_RESOURCE, jobOutcome, NODE_LABEL, type Job } from "../../nodeops/job.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileResult } from "../../runtime/controller.ts";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { KubeObject } from "../../runtime/kube/types.ts";
import type { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import type { ReadonlyStore } from "../../runtime/store.ts";
import type { ObjectStoreFactory } from "../../storage/s3-store.ts";
import { writeStatusIfChanged } from "../status.ts";
import { JOBS_BY_OWNER, PODS_BY_JOB } from "./caches.ts";
import { decide, type Decision } from "./decide.ts";
import { deleteJob, saveJob, type JobOwner } from "./desired.ts";
import { addRestoreDrill } from "./drill-step.ts";
import { etcdNodeStates, type NodeLike, type PodLike } from "./nodes.ts";
import { recordedSnapshots } from "./records.ts";
import type { PreUpgradeHold } from "./retention.ts";
import { rancherRefusal } from "../../rke2/rancher.ts";
import { objectsToConfirm, observeRuns, PROCESSED_LABEL, type JobPod, type ObjectCheck } from "./runs.ts";
import { prepareStorageAccess, type StorageAccess } from "./storage-access.ts";
import { nextStorageCheck, type StorageCheck } from "./status.ts";

export interface PolicyCaches {
  /** The policies' cache, seen through this controller's own status writes. */
  policies: StoreWithOwnWrites<EtcdSnapshotPolicy>;
  /** snapshot-save and snapshot-delete Jobs of every owner, indexed by `<owner-kind>/<owner>`. */
  jobs: ReadonlyStore<Job>;
  /** Their pods, indexed by Job name. */
  pods: ReadonlyStore<JobPod & KubeObject>;
  etcdNodes: ReadonlyStore<NodeLike>;
  etcdMirrorPods: ReadonlyStore<PodLike>;
  records: ReadonlyStore<EtcdSnapshotFile>;
  /** UpgradePlans: those naming a policy in spec.snapshot.policyRef hold their pre-upgrade snapshots. */
  plans?: ReadonlyStore<UpgradePlan>;
}

export interface PolicyReconcilerDeps {
  port: KubePort;
  clock: Clock;
  metrics: OperatorMetrics;
  events: EventRecorder;
  caches: PolicyCaches;
  /** False while the API server does not serve ETCDSnapshotFile (no CRD); true when absent. */
  recordsServed?: () => boolean;
  openStore: ObjectStoreFactory;
  config: { namespace: string; jobsNamespace: string; nodeAgentImage: string };
}

/** Save Jobs keep their record this long after the slot's deadline, so a slot is never redone. */
const SAVE_TTL_MARGIN_SECONDS = 3600;

export async function reconcilePolicy(deps: PolicyReconcilerDeps, name: string, log: Logger): Promise<ReconcileResult> {
  const { caches, clock } = deps;
  const policy = caches.policies.get(name);
  if (!policy || policy.metadata.deletionTimestamp) {
    // A gone policy has no drill to be overdue and no corrupt copies (the alerts read these gauges).
    deps.metrics.restoreDrillLastSuccess.remove({ policy: name });
    deps.metrics.snapshotsNotVerified.remove({ policy: name });
    return {};
  }
  const now = clock.now();
  const owner: JobOwner = { apiVersion: policy.apiVersion, kind: policy.kind, name, uid: policy.metadata.uid ?? "" };

  const ownJobs = caches.jobs.byIndex(JOBS_BY_OWNER, `etcdsnapshotpolicy/${name}`);
  const podsOf = (job: Job): JobPod[] => caches.pods.byIndex(PODS_BY_JOB, job.metadata.name);
  const runs = observeRuns(
    ownJobs.filter((job) => job.metadata.labels?.[ACTION_LABEL] === "snapshot-save"),
    podsOf,
  );
  const deletions = observeRuns(
    ownJobs.filter((job) => job.metadata.labels?.[ACTION_LABEL] === "snapshot-delete"),
    podsOf,
  );
  const busyNodes = new Set(
    caches.jobs
      .list()
      .filter(
        (job) =>
          job.metadata.labels?.[ACTION_LABEL] === "snapshot-save" && jobOutcome(job, podsOf(job)).state === "Running",
      )
      .map((job) => job.metadata.labels?.[NODE_LABEL] ?? ""),
  );
  const mirrorPods = new Map(caches.etcdMirrorPods.list().map((pod) => [pod.metadata.name, pod]));
  const members = etcdNodeStates(caches.etcdNodes.list(), mirrorPods);
  const records = recordedSnapshots(caches.records.list());
  const recordsServed = deps.recordsServed?.() ?? true;
  const status = policy.status ?? {};

  // S3: the Jobs' Secret copy, the objects to confirm, the storage check when due.
  const parsed = parseEtcdSnapshotPolicySpec(policy.spec);
  let access: StorageAccess = { jobs: { ok: true }, store: undefined };
  const objectChecks = new Map<string, ObjectCheck>();
  let storageCheck: StorageCheck | undefined;
  if (parsed.ok && parsed.spec.s3) {
    access = await prepareStorageAccess(
      {
        port: deps.port,
        operatorNamespace: deps.config.namespace,
        jobsNamespace: deps.config.jobsNamespace,
        openStore: deps.openStore,
      },
      owner,
      parsed.spec,
    );
    try {
      for (const location of objectsToConfirm(runs, {
        verify: parsed.spec.verify,
        records,
        cliListing: !recordsServed,
      })) {
        const key = location.slice(`s3://${parsed.spec.s3.bucket}/`.length);
        if (!access.store) objectChecks.set(location, { error: access.storeProblem ?? "no S3 client" });
        else
          objectChecks.set(
            location,
            await access.store
              .statObject(key)
              .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })),
          );
      }
      if ((nextStorageCheck(status, true) ?? Infinity) <= now) {
        storageCheck = access.store
          ? await access.store.checkLocation()
          : { ok: false, message: access.storeProblem ?? "no S3 client" };
      }
    } finally {
      access.store?.close();
    }
  }

  const decision = decide({
    policy: {
      name,
      uid: owner.uid,
      generation: policy.metadata.generation ?? 0,
      creationTime: Date.parse(policy.metadata.creationTimestamp ?? "") || now,
      spec: policy.spec,
      status,
    },
    now,
    runs,
    deletions,
    busyNodes,
    members,
    records,
    recordsServed,
    rancherRefusal: rancherRefusal(policy, caches.etcdNodes.list()),
    objectChecks,
    storageCheck,
    s3Access: access.jobs,
    preUpgradePlans: preUpgradeHolds(caches.plans?.list() ?? [], name),
  });
  const drillJobs = ownJobs.filter((job) => job.metadata.labels?.[ACTION_LABEL] === "restore-drill");
  const createJob = (job: Job): Promise<void> => createIgnoringExisting(deps.port, job);
  const drill = { policy, owner, now, decision, drillJobs, records, members, busyNodes, podsOf, createJob };
  await addRestoreDrill(deps, drill, log);
  await carryOut(deps, policy, owner, decision, log);
  return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
}

function preUpgradeHolds(plans: readonly UpgradePlan[], policyName: string): PreUpgradeHold[] {
  return plans
    .filter((plan) => plan.spec.snapshot?.policyRef === policyName)
    .map((plan) => {
      const completed = Date.parse(plan.status?.completedAt ?? "");
      const succeeded = plan.status?.phase === "Succeeded" && Number.isFinite(completed);
      return { planName: plan.metadata.name, ...(succeeded ? { succeededAt: completed } : {}) };
    });
}

async function createIgnoringExisting(port: KubePort, job: Job): Promise<void> {
  try {
    await port.create(JOB_RESOURCE, job);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

async function carryOut(
  deps: PolicyReconcilerDeps,
  policy: EtcdSnapshotPolicy,
  owner: JobOwner,
  decision: Decision,
  log: Logger,
): Promise<void> {
  const { port, config } = deps;
  const jobsConfig = { namespace: config.jobsNamespace, image: config.nodeAgentImage };
  const { spec, start } = decision;
  let statusWritten = false;

  if (spec && start) {
    // A new slot goes on record before its Jobs exist: a crash in between resumes it, never doubles it.
    if (start.recordFirst) {
      await writeStatusIfChanged(port, etcdSnapshotPolicyResource, policy, decision.status, deps.caches.policies);
      statusWritten = true;
    }
    const ttl = Math.ceil((durationToMs(spec.startingDeadline) ?? 0) / 1000) + SAVE_TTL_MARGIN_SECONDS;
    for (const node of start.nodes) {
      const job = saveJob({
        owner,
        policyName: owner.name,
        spec,
        snapshotName: owner.name,
        node,
        identity: start.identity,
        config: jobsConfig,
        ttlSecondsAfterFinished: ttl,
      });
      await createIgnoringExisting(port, job);
    }
    log.info({ run: start.identity, nodes: start.nodes }, "snapshot run started");
  }
  if (spec)
    for (const plan of decision.prune)
      await createIgnoringExisting(
        port,
        deleteJob({ owner, spec, node: plan.node, names: plan.names, config: jobsConfig }),
      );

  if (!statusWritten)
    await writeStatusIfChanged(port, etcdSnapshotPolicyResource, policy, decision.status, deps.caches.policies);

  // Only now that the status holds their outcome are the Jobs marked counted.
  for (const jobName of decision.markProcessed) {
    try {
      await port.mergePatch(
        JOB_RESOURCE,
        jobName,
        { metadata: { labels: { [PROCESSED_LABEL]: "true" } } },
        config.jobsNamespace,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  for (const event of decision.events) await deps.events.record(policy, event.type, event.reason, event.message);
  const labels = { policy: owner.name };
  // Also by 0: the policy's series exists from its first reconcile, so its first failure is an increase.
  deps.metrics.snapshotFailures.inc(labels, decision.metrics.failed);
  for (const success of decision.metrics.succeeded)
    deps.metrics.snapshotDuration.observe(labels, success.durationSeconds);
  const lastSuccess = decision.status.lastSuccessfulSnapshot?.takenAt;
  if (lastSuccess) deps.metrics.snapshotLastSuccess.set(labels, Date.parse(lastSuccess) / 1000);
  deps.metrics.snapshotsNotVerified.set(labels, decision.status.notVerified?.length ?? 0);
}
