/**
 * The pre-upgrade snapshot the UpgradePlan controller asks for before it touches a node.
 * Level-triggered and idempotent: call it on every reconcile of the plan; it reads the current
 * state, starts the snapshot Job at most once per (plan uid, target version, attempt), and says
 * where things stand. "Verified" comes only after the same verification as a policy snapshot:
 * RKE2 recorded every copy ready with a size and, with S3, the object is in the bucket.
 *
 * The snapshot is named `pre-upgrade-<plan>` (RKE2 appends node and time), uses the policy's
 * storage settings, and is NOT subject to the policy's retention: its name is not the policy's.
 * Without a policy it is a local snapshot on one etcd member, compressed, with RKE2's default
 * snapshot directory, verified the same way (RKE2's ETCDSnapshotFile record).
 */
import { toKubeTime } from "../../api/condition.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import {
  etcdSnapshotPolicyResource,
  EtcdSnapshotPolicySpecSchema,
  parseEtcdSnapshotPolicySpec,
  type EtcdSnapshotPolicy,
  type EtcdSnapshotPolicySpec,
} from "../../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../../api/upgradeplan.ts";
import { NODE_RESOURCE } from "../../runtime/kube/core-resources.ts";
import {
  ACTION_LABEL,
  HASH_LABEL,
  JOB_RESOURCE,
  jobOutcome,
  NODE_LABEL,
  OWNER_KIND_LABEL,
  OWNER_LABEL,
  POD_RESOURCE,
  shortHash,
  type Job,
} from "../../nodeops/job.ts";
import { ETCD_ROLE_LABEL } from "../../rke2/roles.ts";
import type { Clock } from "../../runtime/clock.ts";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { KubeObject } from "../../runtime/kube/types.ts";
import { openS3Store, type ObjectStoreFactory } from "../../storage/s3-store.ts";
import { saveJob, type JobOwner } from "./desired.ts";
import {
  chooseNodes,
  ETCD_MIRROR_POD_NAMESPACE,
  ETCD_MIRROR_POD_SELECTOR,
  etcdNodeStates,
  type NodeLike,
  type PodLike,
} from "./nodes.ts";
import { preferredCopy, recordedSnapshots } from "./records.ts";
import { evaluateRun, objectsToConfirm, observeRuns, runIdentity, type JobPod, type ObjectCheck } from "./runs.ts";
import { prepareStorageAccess, type StorageAccess } from "./storage-access.ts";

export interface PreUpgradeDeps {
  port: KubePort;
  clock: Clock;
  config: { namespace: string; jobsNamespace: string; nodeAgentImage: string };
  /** The operator's S3 client; real S3 by default. */
  openStore?: ObjectStoreFactory;
}

export interface PreUpgradeRequest {
  /** The policy whose storage settings to use; undefined: a local snapshot with the defaults. */
  policyName: string | undefined;
  planName: string;
  planUid: string;
  targetVersion: string;
  /** A policy snapshot younger than this stands in for a fresh one. */
  maxAgeMs?: number;
  /** Bump to try again after "Failed" (each attempt is its own Job). Default 0. */
  attempt?: number;
}

/**
 * Blocked: the policy is missing or invalid (a spec change is needed). StorageUnavailable: the
 * policy's storage is down, so no Job is started; asking again once it is back goes on.
 */
export type PreUpgradeState = "Pending" | "Running" | "Verified" | "Failed" | "Blocked" | "StorageUnavailable";

export interface PreUpgradeResult {
  state: PreUpgradeState;
  snapshot?: { name: string; takenAt: string };
  message: string;
}

/** Kept a day: the plan's record that the snapshot was taken outlives any rollout. */
const PRE_UPGRADE_JOB_TTL_SECONDS = 24 * 3600;

/** The storage settings of a snapshot without a policy: the schema's defaults (local disk). */
const LOCAL_SNAPSHOT_SPEC: EtcdSnapshotPolicySpec = EtcdSnapshotPolicySpecSchema.parse({ schedule: "0 0 * * *" });

export function preUpgradeSnapshotName(planName: string): string {
  return `pre-upgrade-${planName}`;
}

/**
 * Why the snapshot's storage cannot take it now: the policy's own storage check says so (no request
 * is sent then; the policy checks again every minute while it is down), or, when the policy last
 * found it available, a check made now fails. Undefined without S3 or when the storage answers.
 */
async function storageProblem(
  policy: EtcdSnapshotPolicy | undefined,
  spec: EtcdSnapshotPolicySpec,
  access: StorageAccess,
): Promise<string | undefined> {
  if (!spec.s3) return undefined;
  const known = policy?.status?.storage;
  if (known?.phase === "Unavailable") return known.message ?? "unreachable";
  if (!access.store) return access.storeProblem ?? "no S3 client";
  const check = await access.store.checkLocation();
  return check.ok ? undefined : check.message;
}

export async function ensurePreUpgradeSnapshot(
  deps: PreUpgradeDeps,
  request: PreUpgradeRequest,
): Promise<PreUpgradeResult> {
  const { port, clock, config } = deps;
  const now = clock.now();
  const owner: JobOwner = {
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    name: request.planName,
    uid: request.planUid,
  };
  let spec = LOCAL_SNAPSHOT_SPEC;
  let policy: EtcdSnapshotPolicy | undefined;
  if (request.policyName !== undefined) {
    policy = await port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, request.policyName);
    const change = "or change spec.snapshot.policyRef";
    if (!policy)
      return { state: "Blocked", message: `EtcdSnapshotPolicy ${request.policyName} not found: create it ${change}` };
    const parsed = parseEtcdSnapshotPolicySpec(policy.spec);
    if (!parsed.ok)
      return {
        state: "Blocked",
        message: `EtcdSnapshotPolicy ${request.policyName} is invalid (${parsed.message}): fix it ${change}`,
      };
    spec = parsed.spec;
  }

  const recent = policy?.status?.lastSuccessfulSnapshot;
  if (request.maxAgeMs !== undefined && recent && now - Date.parse(recent.takenAt) <= request.maxAgeMs) {
    return {
      state: "Verified",
      snapshot: { name: recent.name, takenAt: recent.takenAt },
      message: `policy snapshot ${recent.name} from ${recent.takenAt} is recent enough`,
    };
  }

  const identity = runIdentity(
    "pre-upgrade",
    `${request.planUid}/${request.targetVersion}/${String(request.attempt ?? 0)}`,
  );
  const selector =
    `${OWNER_KIND_LABEL}=upgradeplan,${OWNER_LABEL}=${request.planName},` +
    `${ACTION_LABEL}=snapshot-save,${HASH_LABEL}=${shortHash(identity)}`;
  const jobs = (await port.list<Job>(JOB_RESOURCE, { namespace: config.jobsNamespace, labelSelector: selector })).items;
  const storageDeps = {
    port,
    operatorNamespace: config.namespace,
    jobsNamespace: config.jobsNamespace,
    openStore: deps.openStore ?? openS3Store,
  };
  // Copies of the policy's S3 credentials belong to the policy; without one nothing is copied.
  const policyOwner: JobOwner = policy
    ? { apiVersion: policy.apiVersion, kind: policy.kind, name: policy.metadata.name, uid: policy.metadata.uid ?? "" }
    : owner;

  if (jobs.length === 0) {
    const access = await prepareStorageAccess(storageDeps, policyOwner, spec);
    let unavailable: string | undefined;
    try {
      unavailable = !access.jobs.ok ? access.jobs.message : await storageProblem(policy, spec, access);
    } finally {
      access.store?.close();
    }
    if (unavailable !== undefined)
      return {
        state: "StorageUnavailable",
        message: `storage of EtcdSnapshotPolicy ${policyOwner.name} is unavailable: ${unavailable}`,
      };
    const nodes = (await port.list<NodeLike>(NODE_RESOURCE, { labelSelector: `${ETCD_ROLE_LABEL}=true` })).items;
    const mirror = (
      await port.list<PodLike>(POD_RESOURCE, {
        namespace: ETCD_MIRROR_POD_NAMESPACE,
        labelSelector: ETCD_MIRROR_POD_SELECTOR,
      })
    ).items;
    const saves = (
      await port.list<Job>(JOB_RESOURCE, {
        namespace: config.jobsNamespace,
        labelSelector: `${ACTION_LABEL}=snapshot-save`,
      })
    ).items;
    const busy = new Set(
      saves
        .filter((job) => jobOutcome(job, []).state === "Running")
        .map((job) => job.metadata.labels?.[NODE_LABEL] ?? ""),
    );
    const choice = chooseNodes(
      "OneEtcdNode",
      etcdNodeStates(nodes, new Map(mirror.map((pod) => [pod.metadata.name, pod]))),
      busy,
      identity,
    );
    if (!choice.ok) return { state: "Pending", message: `cannot start the pre-upgrade snapshot yet: ${choice.reason}` };
    const [node] = choice.nodes;
    if (node === undefined) return { state: "Pending", message: "no etcd member chosen" };
    const job = saveJob({
      owner,
      policyName: policyOwner.name,
      spec,
      snapshotName: preUpgradeSnapshotName(request.planName),
      node,
      identity,
      config: { namespace: config.jobsNamespace, image: config.nodeAgentImage },
      ttlSecondsAfterFinished: PRE_UPGRADE_JOB_TTL_SECONDS,
    });
    try {
      await port.create(JOB_RESOURCE, job);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    return { state: "Running", message: `pre-upgrade snapshot started on ${node} (Job ${job.metadata.name})` };
  }

  const pods = (
    await port.list<JobPod & KubeObject>(POD_RESOURCE, { namespace: config.jobsNamespace, labelSelector: selector })
  ).items;
  const podsOf = (job: Job): JobPod[] => pods.filter((pod) => pod.metadata.labels?.["job-name"] === job.metadata.name);
  const [run] = observeRuns(jobs, podsOf);
  if (!run) return { state: "Pending", message: "the pre-upgrade snapshot Job carries no run annotation" };
  // No ETCDSnapshotFile CRD (older RKE2): verify from the node-agent's CLI listing instead.
  const served = await port.list<EtcdSnapshotFile>(etcdSnapshotFileResource).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  const records = recordedSnapshots(served?.items ?? []);
  const cliListing = served === undefined;
  const objectChecks = new Map<string, ObjectCheck>();
  const toConfirm = objectsToConfirm([run], { verify: spec.verify, records, cliListing });
  if (toConfirm.length > 0 && spec.s3) {
    const access = await prepareStorageAccess(storageDeps, policyOwner, spec);
    try {
      for (const location of toConfirm) {
        const key = location.slice(`s3://${spec.s3.bucket}/`.length);
        const check: ObjectCheck = access.store
          ? await access.store
              .statObject(key)
              .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }))
          : { error: access.storeProblem ?? "no S3 client" };
        objectChecks.set(location, check);
      }
    } finally {
      access.store?.close();
    }
  }
  const evaluation = evaluateRun(run, { verify: spec.verify, records, objectChecks, now, cliListing });
  switch (evaluation.state) {
    case "Running":
      return {
        state: "Running",
        message: `pre-upgrade snapshot running on ${run.jobs.map((job) => job.node).join(", ")}`,
      };
    case "Verifying":
      return { state: "Running", message: `pre-upgrade snapshot taken, verifying: ${evaluation.message}` };
    case "Failed":
      return { state: "Failed", message: `pre-upgrade snapshot failed: ${evaluation.message}` };
    case "Succeeded": {
      const best = preferredCopy(evaluation.snapshots);
      if (!best) return { state: "Failed", message: "the pre-upgrade snapshot reported no copies" };
      return {
        state: "Verified",
        snapshot: { name: best.name, takenAt: toKubeTime(best.takenAt) },
        message: `pre-upgrade snapshot verified: ${evaluation.snapshots.map((s) => s.location).join(", ")}`,
      };
    }
  }
}
