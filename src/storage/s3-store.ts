/**
 * The operator's own view of the bucket: is an object there (verification), and can the location
 * be used at all (the storage health check, like Velero's BackupStorageLocation validation).
 * The only module that talks to S3; errors are turned into messages that never carry credentials.
 */
import { Agent } from "node:https";
import type * as S3Sdk from "@aws-sdk/client-s3";
import type { S3Client } from "@aws-sdk/client-s3";
import { endpointUrl, usesPathStyle, type S3Credentials, type S3Location } from "./s3-location.ts";

export type ObjectStat = { exists: true; size: number; digests?: ObjectDigests } | { exists: false };

/** What HeadObject says about an object's content, as the bucket reports it. */
export interface ObjectDigests {
  /** Without quotes. */
  etag?: string;
  /** Base64, as S3 sends it; only when the upload asked for SHA-256 (RKE2's do not). */
  checksumSha256?: string;
  /** `AES256`, `aws:kms`, `aws:kms:dsse`: with KMS the ETag is not an MD5 of the bytes. */
  serverSideEncryption?: string;
}

export type LocationCheck = { ok: true; message: string } | { ok: false; message: string };

export interface ObjectStore {
  /** Rejects only when the answer is unknown (unreachable, denied); a missing object is `exists: false`. */
  statObject(key: string): Promise<ObjectStat>;
  /** Reachable, bucket exists, folder listable. Never rejects. */
  checkLocation(): Promise<LocationCheck>;
  close(): void;
}

export interface ObjectStoreOptions {
  location: S3Location;
  /** Absent: the SDK's default chain (the operator pod's IAM role, IRSA, env). */
  credentials?: S3Credentials | undefined;
  /** PEM bundle that signs the endpoint's certificate. */
  caPem?: string | undefined;
  /** Upper bound per request; the spec's timeout is meant for uploads, checks need less. */
  requestTimeoutMs?: number;
}

export type ObjectStoreFactory = (options: ObjectStoreOptions) => ObjectStore;

const CHECK_TIMEOUT_CAP_MS = 30_000;

/** The AWS SDK weighs tens of MB: it is loaded when a store first sends a request, not at start-up. */
function loadSdk(): Promise<[typeof S3Sdk, typeof import("@smithy/node-http-handler")]> {
  return Promise.all([import("@aws-sdk/client-s3"), import("@smithy/node-http-handler")]);
}

export const openS3Store: ObjectStoreFactory = (options) => {
  const { location } = options;
  const timeoutMs = Math.min(options.requestTimeoutMs ?? location.timeoutMs, CHECK_TIMEOUT_CAP_MS);
  let connection: Promise<{ s3: typeof S3Sdk; client: S3Client }> | undefined;
  let created: S3Client | undefined;
  const connect = () =>
    (connection ??= loadSdk().then(([s3, { NodeHttpHandler }]) => {
      const httpsAgent = new Agent({
        keepAlive: true,
        rejectUnauthorized: !location.skipTLSVerify,
        ...(options.caPem ? { ca: options.caPem } : {}),
      });
      created = new s3.S3Client({
        endpoint: endpointUrl(location),
        region: location.region,
        forcePathStyle: usesPathStyle(location),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: 2,
        requestHandler: new NodeHttpHandler({ httpsAgent, connectionTimeout: timeoutMs, requestTimeout: timeoutMs }),
      });
      return { s3, client: created };
    }));
  const describe = (err: unknown): string => describeS3Error(err, location);

  return {
    async statObject(key) {
      const { s3, client } = await connect();
      try {
        const head = await client.send(
          new s3.HeadObjectCommand({ Bucket: location.bucket, Key: key, ChecksumMode: "ENABLED" }),
        );
        const digests: ObjectDigests = {
          ...(head.ETag ? { etag: head.ETag.replace(/^"|"$/g, "") } : {}),
          ...(head.ChecksumSHA256 ? { checksumSha256: head.ChecksumSHA256 } : {}),
          ...(head.ServerSideEncryption ? { serverSideEncryption: head.ServerSideEncryption } : {}),
        };
        return { exists: true, size: head.ContentLength ?? 0, digests };
      } catch (err) {
        if (httpStatusOf(err) === 404) return { exists: false };
        throw new Error(describe(err));
      }
    },
    async checkLocation() {
      const { s3, client } = await connect();
      try {
        await client.send(new s3.HeadBucketCommand({ Bucket: location.bucket }));
      } catch (err) {
        return {
          ok: false,
          message:
            httpStatusOf(err) === 404
              ? `bucket ${location.bucket} does not exist at ${location.endpoint}`
              : describe(err),
        };
      }
      try {
        const prefix = location.folder === "" ? undefined : `${location.folder}/`;
        await client.send(
          new s3.ListObjectsV2Command({ Bucket: location.bucket, MaxKeys: 1, ...(prefix ? { Prefix: prefix } : {}) }),
        );
      } catch (err) {
        return { ok: false, message: `cannot list ${where(location)}: ${describe(err)}` };
      }
      return { ok: true, message: `${where(location)} at ${location.endpoint} is reachable and listable` };
    },
    close() {
      created?.destroy();
    },
  };
};

function where(location: S3Location): string {
  return location.folder === "" ? `s3://${location.bucket}/` : `s3://${location.bucket}/${location.folder}/`;
}

/** The SDK's service exceptions carry the HTTP status in `$metadata`. */
function httpStatusOf(err: unknown): number | undefined {
  const metadata = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

/**
 * One line a person can act on. SDK messages name the bucket, key or error code, never the keys
 * themselves; request headers (where a signature would be) are not included.
 */
export function describeS3Error(err: unknown, location: Pick<S3Location, "endpoint" | "bucket">): string {
  const status = httpStatusOf(err);
  const name = err instanceof Error ? err.name : "Error";
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  // The SDK's wrapper of a foreign-realm error (see TLS_VERIFY_CODES) adds nothing a person needs.
  const detail = (message && message !== "UnknownError" ? message : name)
    .replace(NODE_CA_HINT, "")
    .replace(/^AWS SDK error wrapper for \w*Error: /, "");
  if (status === 403)
    return (
      `access to bucket ${location.bucket} denied (403 ${name}): ` +
      "check the credentials Secret and the bucket policy"
    );
  if (status !== undefined) return `S3 ${location.endpoint} answered ${status} ${name}: ${detail}`;
  const codePrefix = typeof code === "string" ? `${code} ` : "";
  if ((typeof code === "string" && TLS_VERIFY_CODES.has(code)) || CERTIFICATE_FAILURE.test(detail)) {
    return (
      `S3 ${location.endpoint} presented a TLS certificate that does not verify (${codePrefix}${detail}): ` +
      "check spec.s3.endpointCA (the CA bundle that signs it) and that it names the endpoint"
    );
  }
  return `S3 ${location.endpoint} unreachable: ${codePrefix}${detail}`;
}

/**
 * Node's codes for a server certificate that fails verification. The SDK's retry layer re-wraps
 * errors that are not `instanceof Error` of its own realm (under Jest's VM modules, Node's own
 * errors) and drops `code` doing so, hence also the test on OpenSSL's wording.
 */
const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);
const CERTIFICATE_FAILURE = new RegExp(
  [
    "unable to verify the first certificate",
    "self[- ]signed certificate",
    "unable to get (local )?issuer certificate",
    "certificate has expired",
    "certificate is not yet valid",
    "does not match certificate's altnames",
  ].join("|"),
  "i",
);
/** Node's advice to start it with --use-system-ca: not something a user of the operator can act on. */
const NODE_CA_HINT = /; if the root CA is installed locally, try running Node\.js with --use-system-ca$/;
