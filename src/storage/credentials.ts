/**
 * Reads the S3 credentials Secret and the endpoint CA that an EtcdSnapshotPolicy names. Values
 * are returned to the caller only; messages name the object and key, never a value.
 */
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import type { S3Credentials } from "./s3-location.ts";

export const SECRET_RESOURCE: ResourceType = { apiVersion: "v1", kind: "Secret", plural: "secrets", namespaced: true };
export const CONFIGMAP_RESOURCE: ResourceType = {
  apiVersion: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};

/** The keys of the credentials Secret (docs/etcd-snapshots.md "Fields", `s3.credentialsSecret`). */
export const CREDENTIAL_KEYS = {
  accessKey: "accessKey",
  secretKey: "secretKey",
  sessionToken: "sessionToken",
} as const;

export interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export type Lookup<T> = { ok: true; value: T } | { ok: false; message: string };

/** Secret data is base64; stringData only exists on objects that were never stored (tests, dry runs). */
export function secretValue(secret: Secret, key: string): string | undefined {
  const encoded = secret.data?.[key];
  if (encoded !== undefined) return Buffer.from(encoded, "base64").toString("utf8");
  return secret.stringData?.[key];
}

export function credentialsFromSecret(secret: Secret): Lookup<S3Credentials> {
  const accessKeyId = secretValue(secret, CREDENTIAL_KEYS.accessKey)?.trim();
  const secretAccessKey = secretValue(secret, CREDENTIAL_KEYS.secretKey)?.trim();
  const where = `Secret ${secret.metadata.namespace ?? ""}/${secret.metadata.name}`;
  if (!accessKeyId) return { ok: false, message: `${where} has no key ${CREDENTIAL_KEYS.accessKey}` };
  if (!secretAccessKey) return { ok: false, message: `${where} has no key ${CREDENTIAL_KEYS.secretKey}` };
  const sessionToken = secretValue(secret, CREDENTIAL_KEYS.sessionToken)?.trim();
  return { ok: true, value: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
}

export async function readSecret(port: KubePort, namespace: string, name: string): Promise<Lookup<Secret>> {
  const secret = await port.get<Secret>(SECRET_RESOURCE, name, namespace);
  if (!secret) return { ok: false, message: `Secret ${namespace}/${name} not found` };
  return { ok: true, value: secret };
}

export interface CaReference {
  kind: "ConfigMap" | "Secret";
  name: string;
  key: string;
}

export async function readEndpointCa(port: KubePort, namespace: string, ref: CaReference): Promise<Lookup<string>> {
  const where = `${ref.kind} ${namespace}/${ref.name}`;
  const pem =
    ref.kind === "Secret"
      ? await port
          .get<Secret>(SECRET_RESOURCE, ref.name, namespace)
          .then((secret) => (secret ? (secretValue(secret, ref.key) ?? null) : undefined))
      : await port
          .get<ConfigMap>(CONFIGMAP_RESOURCE, ref.name, namespace)
          .then((map) => (map ? (map.data?.[ref.key] ?? null) : undefined));
  if (pem === undefined) return { ok: false, message: `${where} not found` };
  if (pem === null || !pem.includes("-----BEGIN CERTIFICATE-----"))
    return { ok: false, message: `${where} has no PEM certificate under key ${ref.key}` };
  return { ok: true, value: pem };
}
