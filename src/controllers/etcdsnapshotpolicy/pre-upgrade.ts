/**
 * The EtcdSnapshotPolicy controller's part of the pre-upgrade snapshot (controllers/pre-upgrade-snapshot.ts):
 * what the UpgradePlan controller's decision (upgradeplan/pre-upgrade.ts) reads, from the term's
 * snapshot caches, and the Job it asks for. No LIST: the caches are those the policy controller
 * watches anyway (caches.ts); the bucket is asked only about the copies of a run being verified.
 *
 * The snapshot is named `pre-upgrade-<plan>` (RKE2 appends node and time), uses the policy's
 * storage settings, and is NOT subject to the policy's retention: its name is not the policy's.
 * Without a policy it is a local snapshot on one etcd member, compressed, with RKE2's default
 * snapshot directory. "Verified" is the same verification as a policy snapshot's (runs.ts): RKE2
 * recorded every copy ready with a size and, with S3, the object is in the bucket; a copy whose
 * integrity check failed never counts.
 */
import { toKubeTime } from "../../api/condition.ts";
import {
  EtcdSnapshotPolicySpecSchema,
  parseEtcdSnapshotPolicySpec,
  type EtcdSnapshotPolicy,
  type EtcdSnapshotPolicySpec,
} from "../../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../../api/upgradeplan.ts";
import {
  ACTION_LABEL,
  HASH_LABEL,
  JOB_RESOURCE,
  jobOutcome,
  NODE_LABEL,
  shortHash,
  type Job,
} from "../../nodeops/job.ts";
import type { Clock } from "../../runtime/clock.ts";
import { isAlreadyExists } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { openS3Store, type ObjectStoreFactory } from "../../storage/s3-store.ts";
import type { OperatorContext } from "../context.ts";
import type {
  PolicyView,
  PreUpgradeObservation,
  PreUpgradeRequest,
  PreUpgradeSnapshotSource,
  RunView,
  StartOutcome,
} from "../pre-upgrade-snapshot.ts";
import { JOBS_BY_OWNER, PODS_BY_JOB, snapshotCaches, type SnapshotCaches } from "./caches.ts";
import { saveJob, type JobOwner } from "./desired.ts";
import { chooseNodes, etcdNodeStates } from "./nodes.ts";
import { preferredCopy, recordedSnapshots } from "./records.ts";
import {
  evaluateRun,
  objectsToConfirm,
  observeRuns,
  runIdentity,
  type JobPod,
  type ObjectCheck,
  type RunJob,
} from "./runs.ts";
import { PLAN_OWNER_KIND, PRE_UPGRADE_PREFIX, wakePlansOnChange } from "./pre-upgrade-events.ts";
import { prepareStorageAccess, type StorageAccessDeps } from "./storage-access.ts";

/** Kept a day: the plan's record that the snapshot was taken outlives any rollout. */
const PRE_UPGRADE_JOB_TTL_SECONDS = 24 * 3600;

/** The storage settings of a snapshot without a policy: the schema's defaults (local disk). */
const LOCAL_SNAPSHOT_SPEC: EtcdSnapshotPolicySpec = EtcdSnapshotPolicySpecSchema.parse({ schedule: "0 0 * * *" });

export function preUpgradeSnapshotName(planName: string): string {
  return `${PRE_UPGRADE_PREFIX}${planName}`;
}

export interface PreUpgradeSourceDeps {
  port: KubePort;
  clock: Clock;
  caches: SnapshotCaches;
  config: { namespace: string; jobsNamespace: string; nodeAgentImage: string };
  /** The operator's S3 client; real S3 by default. */
  openStore?: ObjectStoreFactory;
}

/** The source over the term's snapshot caches (shared with the policy controller when both run). */
export function policyPreUpgradeSource(context: OperatorContext): PreUpgradeSnapshotSource {
  const { port, clock, config } = context;
  return preUpgradeSource({
    port,
    clock,
    caches: snapshotCaches(context),
    config: { namespace: config.namespace, jobsNamespace: config.jobsNamespace, nodeAgentImage: config.nodeAgentImage },
  });
}

/** How long a finished Job's result (its pod's termination message) may lag behind the Job in the caches. */
const POD_RESULT_GRACE_MS = 30_000;

/**
 * The Job and its pod come through two watches: a Job seen finished before its pod's result is
 * waited for a moment (its pod's change wakes the plan) rather than judged as having reported nothing.
 */
function awaitedResults(
  runJobs: readonly RunJob[],
  podsOf: (job: Job) => JobPod[],
  jobs: readonly Job[],
  now: number,
): RunView | undefined {
  const waiting = runJobs.filter((runJob) => {
    const job = jobs.find((candidate) => candidate.metadata.name === runJob.name);
    const reported = job && podsOf(job).some((pod) => pod.status?.containerStatuses?.[0]?.state?.terminated);
    return runJob.outcome.state !== "Running" && !reported && runJob.finishedAt !== undefined
      ? now < runJob.finishedAt + POD_RESULT_GRACE_MS
      : false;
  });
  if (waiting.length === 0) return undefined;
  return {
    state: "Verifying",
    message: `the result of Job ${waiting.map((job) => job.name).join(", ")} is not in the operator's cache yet`,
    deadline: Math.min(...waiting.map((job) => (job.finishedAt ?? now) + POD_RESULT_GRACE_MS)),
  };
}

type Settings =
  { ok: false; message: string } | { ok: true; spec: EtcdSnapshotPolicySpec; policy?: EtcdSnapshotPolicy };

function settingsOf(caches: SnapshotCaches, policyName: string | undefined): Settings {
  if (policyName === undefined) return { ok: true, spec: LOCAL_SNAPSHOT_SPEC };
  const policy = caches.policies.get(policyName);
  const change = "or change spec.snapshot.policyRef";
  if (!policy) return { ok: false, message: `EtcdSnapshotPolicy ${policyName} not found: create it ${change}` };
  const parsed = parseEtcdSnapshotPolicySpec(policy.spec);
  if (!parsed.ok)
    return { ok: false, message: `EtcdSnapshotPolicy ${policyName} is invalid (${parsed.message}): fix it ${change}` };
  return { ok: true, spec: parsed.spec, policy };
}

function policyView(settings: Settings): PolicyView {
  if (!settings.ok) return { usable: false, message: settings.message };
  const recent = settings.policy?.status?.lastSuccessfulSnapshot;
  const storage = settings.policy?.status?.storage;
  return {
    usable: true,
    ...(recent ? { lastSnapshot: { name: recent.name, takenAt: recent.takenAt } } : {}),
    ...(settings.spec.s3 && storage?.phase === "Unavailable"
      ? { storageUnavailable: storage.message ?? "unreachable" }
      : {}),
  };
}

function identityOf(request: PreUpgradeRequest): string {
  return runIdentity("pre-upgrade", `${request.planUid}/${request.targetVersion}/${String(request.attempt)}`);
}

export function preUpgradeSource(deps: PreUpgradeSourceDeps): PreUpgradeSnapshotSource {
  const { caches, config } = deps;
  const storageDeps: StorageAccessDeps = {
    port: deps.port,
    operatorNamespace: config.namespace,
    jobsNamespace: config.jobsNamespace,
    openStore: deps.openStore ?? openS3Store,
  };
  const planOwner = (request: PreUpgradeRequest): JobOwner => ({
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    name: request.planName,
    uid: request.planUid,
  });
  // Copies of the policy's S3 credentials belong to the policy; without one nothing is copied.
  const storageOwner = (request: PreUpgradeRequest, policy: EtcdSnapshotPolicy | undefined): JobOwner =>
    policy
      ? { apiVersion: policy.apiVersion, kind: policy.kind, name: policy.metadata.name, uid: policy.metadata.uid ?? "" }
      : planOwner(request);
  const podsOf = (job: Job): JobPod[] => caches.pods.cache.byIndex(PODS_BY_JOB, job.metadata.name);

  const chooseNode = (identity: string): PreUpgradeObservation["node"] => {
    const busy = new Set(
      caches.jobs.cache
        .list()
        .filter((job) => job.metadata.labels?.[ACTION_LABEL] === "snapshot-save")
        .filter((job) => jobOutcome(job, []).state === "Running")
        .map((job) => job.metadata.labels?.[NODE_LABEL] ?? ""),
    );
    const mirrorPods = new Map(caches.etcdMirrorPods.cache.list().map((pod) => [pod.metadata.name, pod]));
    const choice = chooseNodes(
      "OneEtcdNode",
      etcdNodeStates(caches.etcdNodes.cache.list(), mirrorPods),
      busy,
      identity,
    );
    const [node] = choice.ok ? choice.nodes : [];
    if (!choice.ok) return { ok: false, reason: choice.reason };
    return node === undefined ? { ok: false, reason: "no etcd member chosen" } : { ok: true, name: node };
  };

  const observeRun = async (
    request: PreUpgradeRequest,
    settings: Settings & { ok: true },
  ): Promise<RunView | undefined> => {
    const hash = shortHash(identityOf(request));
    const jobs = caches.jobs.cache
      .byIndex(JOBS_BY_OWNER, `${PLAN_OWNER_KIND}/${request.planName}`)
      .filter((job) => job.metadata.labels?.[HASH_LABEL] === hash);
    if (jobs.length === 0) return undefined;
    const [run] = observeRuns(jobs, podsOf);
    if (!run) return { state: "Unreadable", message: "the pre-upgrade snapshot Job carries no run annotation" };
    const awaited = awaitedResults(run.jobs, podsOf, jobs, deps.clock.now());
    if (awaited) return awaited;
    // No ETCDSnapshotFile CRD (older RKE2): verify from the node-agent's CLI listing instead.
    const cliListing = caches.records.served() === false;
    const records = recordedSnapshots(caches.records.cache.list());
    const { spec } = settings;
    const objectChecks = new Map<string, ObjectCheck>();
    const toConfirm = objectsToConfirm([run], { verify: spec.verify, records, cliListing });
    if (toConfirm.length > 0 && spec.s3) {
      const bucket = `s3://${spec.s3.bucket}/`;
      const access = await prepareStorageAccess(storageDeps, storageOwner(request, settings.policy), spec);
      try {
        for (const location of toConfirm) {
          const check: ObjectCheck = access.store
            ? await access.store
                .statObject(location.slice(bucket.length))
                .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
            : { error: access.storeProblem ?? "no S3 client" };
          objectChecks.set(location, check);
        }
      } finally {
        access.store?.close();
      }
    }
    const evaluation = evaluateRun(run, {
      verify: spec.verify,
      records,
      objectChecks,
      now: deps.clock.now(),
      cliListing,
    });
    switch (evaluation.state) {
      case "Running":
        return { state: "Running", nodes: run.jobs.map((job) => job.node) };
      case "Verifying":
        return { state: "Verifying", message: evaluation.message, deadline: evaluation.deadline };
      case "Failed":
        return { state: "Failed", message: evaluation.message };
      case "Succeeded": {
        const best = preferredCopy(evaluation.snapshots);
        return {
          state: "Succeeded",
          snapshot: best ? { name: best.name, takenAt: toKubeTime(best.takenAt) } : undefined,
          locations: evaluation.snapshots.map((copy) => copy.location),
        };
      }
    }
  };

  return {
    informers: caches.informers,
    onChange(wake) {
      wakePlansOnChange(caches, wake);
    },
    async observe(request) {
      const settings = settingsOf(caches, request.policyName);
      return {
        policy: policyView(settings),
        run: settings.ok ? await observeRun(request, settings) : undefined,
        node: chooseNode(identityOf(request)),
      };
    },
    async start(request, node): Promise<StartOutcome> {
      const settings = settingsOf(caches, request.policyName);
      if (!settings.ok) return { started: false, storageProblem: settings.message };
      const { spec, policy } = settings;
      const owner = storageOwner(request, policy);
      const access = await prepareStorageAccess(storageDeps, owner, spec);
      let problem: string | undefined;
      try {
        if (!access.jobs.ok) problem = access.jobs.message;
        else if (spec.s3 && !access.store) problem = access.storeProblem ?? "no S3 client";
        else if (spec.s3 && access.store) {
          const check = await access.store.checkLocation();
          if (!check.ok) problem = check.message;
        }
      } finally {
        access.store?.close();
      }
      if (problem !== undefined) return { started: false, storageProblem: problem };
      const job = saveJob({
        owner: planOwner(request),
        policyName: owner.name,
        spec,
        snapshotName: preUpgradeSnapshotName(request.planName),
        node,
        identity: identityOf(request),
        config: { namespace: config.jobsNamespace, image: config.nodeAgentImage },
        ttlSecondsAfterFinished: PRE_UPGRADE_JOB_TTL_SECONDS,
      });
      try {
        await deps.port.create(JOB_RESOURCE, job);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return { started: true, job: job.metadata.name };
    },
  };
}
