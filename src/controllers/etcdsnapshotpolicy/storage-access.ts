/**
 * Effects around a policy's S3 settings: keeping the Secret copy the node Jobs read in the jobs
 * namespace (desired.ts says why), and opening the operator's own S3 client for verification and
 * storage checks. Used by the policy reconciler and by the pre-upgrade snapshot.
 */
import type { EtcdSnapshotPolicySpec } from "../../api/etcdsnapshotpolicy.ts";
import { jsonEqual } from "../status.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import {
  readEndpointCa,
  readSecret,
  credentialsFromSecret,
  SECRET_RESOURCE,
  type Secret,
} from "../../storage/credentials.ts";
import { s3LocationFromSpec, type S3Credentials } from "../../storage/s3-location.ts";
import type { ObjectStore, ObjectStoreFactory } from "../../storage/s3-store.ts";
import { needsSecretCopy, secretCopy, type JobOwner } from "./desired.ts";

export interface StorageAccessDeps {
  port: KubePort;
  /** Where the user's credentials Secret and CA live. */
  operatorNamespace: string;
  jobsNamespace: string;
  openStore: ObjectStoreFactory;
}

export interface StorageAccess {
  /** Whether node Jobs can get at S3: the Secret copy they need is in place. */
  jobs: { ok: true } | { ok: false; message: string };
  /** The operator's client; undefined without S3 settings or when its inputs are missing. */
  store: ObjectStore | undefined;
  /** Why there is no store although the spec has S3 settings. */
  storeProblem?: string;
}

/**
 * Reads the user's Secret and CA, keeps the copy in the jobs namespace equal to them, and opens a
 * client. Never throws for missing user objects (that is a condition, not a crash); API errors
 * other than those propagate so the reconcile is retried.
 */
export async function prepareStorageAccess(
  deps: StorageAccessDeps,
  policy: JobOwner,
  spec: EtcdSnapshotPolicySpec,
): Promise<StorageAccess> {
  const s3 = spec.s3;
  if (!s3) return { jobs: { ok: true }, store: undefined };

  let source: Secret | undefined;
  let credentials: S3Credentials | undefined;
  if (s3.credentialsSecret) {
    const found = await readSecret(deps.port, deps.operatorNamespace, s3.credentialsSecret);
    const parsed = found.ok ? credentialsFromSecret(found.value) : found;
    if (!parsed.ok) return { jobs: parsed, store: undefined, storeProblem: parsed.message };
    source = found.ok ? found.value : undefined;
    credentials = parsed.value;
  }
  let caPem: string | undefined;
  if (s3.endpointCA) {
    const ca = await readEndpointCa(deps.port, deps.operatorNamespace, s3.endpointCA);
    if (!ca.ok) return { jobs: ca, store: undefined, storeProblem: ca.message };
    caPem = ca.value;
  }

  if (needsSecretCopy(spec))
    await ensureSecretCopy(deps, secretCopy({ owner: policy, namespace: deps.jobsNamespace, source, caPem }));
  const store = deps.openStore({ location: s3LocationFromSpec(s3), credentials, caPem });
  return { jobs: { ok: true }, store };
}

/** Creates the copy, or brings its data in line (keys that went away are removed). */
async function ensureSecretCopy(deps: StorageAccessDeps, desired: Secret): Promise<void> {
  const name = desired.metadata.name;
  const existing = await deps.port.get<Secret>(SECRET_RESOURCE, name, deps.jobsNamespace);
  if (!existing) {
    await deps.port.create(SECRET_RESOURCE, desired);
    return;
  }
  if (jsonEqual(existing.data ?? {}, desired.data ?? {})) return;
  const data: Record<string, string | null> = { ...desired.data };
  for (const key of Object.keys(existing.data ?? {})) if (!(key in (desired.data ?? {}))) data[key] = null;
  await deps.port.mergePatch(SECRET_RESOURCE, name, { data }, deps.jobsNamespace);
}
