/**
 * The objects an EtcdSnapshotPolicy needs in the jobs namespace: `snapshot-save` and
 * `snapshot-delete` node Jobs and the copy of its S3 Secret those Jobs read. Pure.
 *
 * Why a copy: a container can take env from a Secret only in its own namespace, and node Jobs
 * run in the privileged jobs namespace while the user's Secret lives in the operator's. The
 * operator keeps a copy with only the keys the Jobs need (plus the endpoint CA), owned by the
 * policy so it goes when the policy goes, and labelled as managed. Keys reach rke2 through env
 * vars (agent-args.ts), never through argv, status, events or logs.
 */
import { createHash } from "node:crypto";
import { durationToMs } from "../../api/duration.ts";
import type { EtcdSnapshotPolicySpec } from "../../api/etcdsnapshotpolicy.ts";
import {
  buildSnapshotDeleteArgs,
  buildSnapshotSaveArgs,
  JOB_FILES_DIR,
  NODE_NAME_ENV,
  S3_CREDENTIAL_ENV,
  type S3Target,
} from "../../nodeops/agent-args.ts";
import {
  buildNodeJob,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  OWNER_KIND_LABEL,
  OWNER_LABEL,
  ownerReferenceTo,
  type Job,
  type JobEnvVar,
  type NodeJobSpec,
} from "../../nodeops/job.ts";
import { CREDENTIAL_KEYS, type Secret } from "../../storage/credentials.ts";
import { RUN_ANNOTATION } from "./runs.ts";

export interface JobsConfig {
  namespace: string;
  image: string;
}

export type JobOwner = NodeJobSpec["owner"];

export const CA_KEY = "ca.crt";
const CA_MOUNT_DIR = `${JOB_FILES_DIR}/s3`;
export const JOB_CA_FILE = `${CA_MOUNT_DIR}/${CA_KEY}`;

/**
 * Each `rke2 etcd-snapshot` call is one request the CLI waits 2 minutes for, plus the S3 timeout
 * when S3 is on (k3s `pkg/cli/etcdsnapshot`: `timeout += EtcdS3Timeout`). A save is two calls
 * (save, then ls), a delete one; on top, a minute for the pod to start and the agent to run.
 */
const CLI_REQUEST_SECONDS = 120;
const POD_START_SECONDS = 60;
const DELETE_TTL_SECONDS = 300;

export function credentialsCopyName(ownerName: string): string {
  const name = `etcd-snapshot-s3-${ownerName}`;
  return name.length <= 253
    ? name
    : `${name.slice(0, 242)}-${createHash("sha256").update(ownerName).digest("hex").slice(0, 10)}`;
}

/** Whether Jobs of this spec need the Secret copy (credentials or a CA to mount). */
export function needsSecretCopy(spec: EtcdSnapshotPolicySpec): boolean {
  return spec.s3 !== undefined && (spec.s3.credentialsSecret !== undefined || spec.s3.endpointCA !== undefined);
}

export function s3TargetFor(s3: NonNullable<EtcdSnapshotPolicySpec["s3"]>): S3Target {
  return {
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: s3.region,
    ...(s3.folder ? { folder: s3.folder } : {}),
    ...(s3.insecure ? { insecure: true } : {}),
    ...(s3.skipTLSVerify ? { skipSslVerify: true } : {}),
    ...(s3.endpointCA ? { endpointCa: JOB_CA_FILE } : {}),
    timeout: s3.timeout,
    bucketLookupType: s3.bucketLookup,
  };
}

function credentialEnv(spec: EtcdSnapshotPolicySpec, secretName: string): JobEnvVar[] {
  if (!spec.s3?.credentialsSecret) return [];
  return [
    {
      name: S3_CREDENTIAL_ENV.accessKey,
      valueFrom: { secretKeyRef: { name: secretName, key: CREDENTIAL_KEYS.accessKey } },
    },
    {
      name: S3_CREDENTIAL_ENV.secretKey,
      valueFrom: { secretKeyRef: { name: secretName, key: CREDENTIAL_KEYS.secretKey } },
    },
    {
      name: S3_CREDENTIAL_ENV.sessionToken,
      valueFrom: { secretKeyRef: { name: secretName, key: CREDENTIAL_KEYS.sessionToken, optional: true } },
    },
  ];
}

/** Mounts the CA key of the Secret copy where the node-agent expects it. */
function withCaVolume(job: Job, secretName: string): Job {
  const podSpec = job.spec.template.spec as { containers?: { volumeMounts?: unknown[] }[]; volumes?: unknown[] };
  podSpec.volumes = [
    ...(podSpec.volumes ?? []),
    { name: "s3-ca", secret: { secretName, items: [{ key: CA_KEY, path: CA_KEY }] } },
  ];
  for (const container of podSpec.containers ?? []) {
    container.volumeMounts = [
      ...(container.volumeMounts ?? []),
      { name: "s3-ca", mountPath: CA_MOUNT_DIR, readOnly: true },
    ];
  }
  return job;
}

export function deadlineSeconds(spec: EtcdSnapshotPolicySpec, cliCalls: number): number {
  const s3Seconds = spec.s3 ? Math.ceil((durationToMs(spec.s3.timeout) ?? 300_000) / 1000) : 0;
  return cliCalls * (CLI_REQUEST_SECONDS + s3Seconds) + POD_START_SECONDS;
}

export interface SaveJobInput {
  owner: JobOwner;
  /** The policy whose storage settings and Secret copy the Job uses. */
  policyName: string;
  /** The storage settings (a policy's spec, also for pre-upgrade snapshots). */
  spec: EtcdSnapshotPolicySpec;
  /** `--name` for rke2: the policy name, or `pre-upgrade-<plan>`. */
  snapshotName: string;
  node: string;
  identity: string;
  config: JobsConfig;
  ttlSecondsAfterFinished: number;
}

export function saveJob(input: SaveJobInput): Job {
  const { spec, config } = input;
  const secretName = credentialsCopyName(input.policyName);
  const args = buildSnapshotSaveArgs({
    name: input.snapshotName,
    compress: spec.compress,
    ...(spec.s3 ? { s3: s3TargetFor(spec.s3) } : {}),
  });
  const job = buildNodeJob({
    action: "snapshot-save",
    owner: input.owner,
    node: input.node,
    namespace: config.namespace,
    image: config.image,
    args,
    env: [{ name: NODE_NAME_ENV, value: input.node }, ...credentialEnv(spec, secretName)],
    identity: input.identity,
    activeDeadlineSeconds: deadlineSeconds(spec, 2),
    ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
  });
  job.metadata.annotations = { ...job.metadata.annotations, [RUN_ANNOTATION]: input.identity };
  return spec.s3?.endpointCA ? withCaVolume(job, secretName) : job;
}

export interface DeleteJobInput {
  owner: JobOwner;
  spec: EtcdSnapshotPolicySpec;
  node: string;
  names: readonly string[];
  config: JobsConfig;
}

/** `rke2 etcd-snapshot delete` of these names on `node` (its disk, and S3 when the policy uses S3). */
export function deleteJob(input: DeleteJobInput): Job {
  const { spec, config } = input;
  const names = [...input.names].sort();
  const secretName = credentialsCopyName(input.owner.name);
  const identity = `delete/${createHash("sha256").update(names.join("\n")).digest("hex").slice(0, 16)}`;
  const job = buildNodeJob({
    action: "snapshot-delete",
    owner: input.owner,
    node: input.node,
    namespace: config.namespace,
    image: config.image,
    args: buildSnapshotDeleteArgs({ names, ...(spec.s3 ? { s3: s3TargetFor(spec.s3) } : {}) }),
    env: [{ name: NODE_NAME_ENV, value: input.node }, ...credentialEnv(spec, secretName)],
    identity,
    activeDeadlineSeconds: deadlineSeconds(spec, 1),
    // Short: a failed prune is retried once its Job is gone (same names, same Job name).
    ttlSecondsAfterFinished: DELETE_TTL_SECONDS,
  });
  job.metadata.annotations = { ...job.metadata.annotations, [RUN_ANNOTATION]: identity };
  return spec.s3?.endpointCA ? withCaVolume(job, secretName) : job;
}

export interface SecretCopyInput {
  owner: JobOwner;
  namespace: string;
  /** The user's credentials Secret, when the spec names one. */
  source?: Secret | undefined;
  caPem?: string | undefined;
}

export function secretCopy(input: SecretCopyInput): Secret {
  const data: Record<string, string> = {};
  for (const key of Object.values(CREDENTIAL_KEYS)) {
    const value = input.source?.data?.[key];
    if (value !== undefined) data[key] = value;
  }
  if (input.caPem !== undefined) data[CA_KEY] = Buffer.from(input.caPem, "utf8").toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: credentialsCopyName(input.owner.name),
      namespace: input.namespace,
      labels: {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [OWNER_KIND_LABEL]: input.owner.kind.toLowerCase(),
        [OWNER_LABEL]: input.owner.name,
      },
      ownerReferences: [ownerReferenceTo(input.owner)],
    },
    data,
  };
}
