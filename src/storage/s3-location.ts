/**
 * Where a policy's snapshots live in S3-compatible storage, read the way RKE2 reads its
 * `etcd-s3-*` flags, so the operator looks for an object exactly where RKE2 put it. Pure.
 */
import type { EtcdSnapshotPolicySpec } from "../api/etcdsnapshotpolicy.ts";
import { durationToMs } from "../api/duration.ts";

export type BucketLookup = "auto" | "dns" | "path";

export interface S3Location {
  bucket: string;
  /** host[:port], as RKE2's `--etcd-s3-endpoint` takes it. */
  endpoint: string;
  region: string;
  /** Key prefix without leading or trailing slashes; "" for the bucket root. */
  folder: string;
  bucketLookup: BucketLookup;
  /** Plain HTTP. */
  insecure: boolean;
  skipTLSVerify: boolean;
  timeoutMs: number;
}

/** Never logged, never in status, events or metrics. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

export function s3LocationFromSpec(s3: NonNullable<EtcdSnapshotPolicySpec["s3"]>): S3Location {
  return {
    bucket: s3.bucket,
    endpoint: stripScheme(s3.endpoint),
    region: s3.region,
    folder: normaliseFolder(s3.folder),
    bucketLookup: s3.bucketLookup,
    insecure: s3.insecure,
    skipTLSVerify: s3.skipTLSVerify,
    timeoutMs: durationToMs(s3.timeout) ?? DEFAULT_TIMEOUT_MS,
  };
}

/** RKE2 joins folder and file name with path.Join: no doubled or leading slashes. */
export function normaliseFolder(folder: string | undefined): string {
  return (folder ?? "")
    .split("/")
    .filter((part) => part !== "")
    .join("/");
}

export function objectKeyFor(location: Pick<S3Location, "folder">, fileName: string): string {
  return location.folder === "" ? fileName : `${location.folder}/${fileName}`;
}

export function parseS3Url(url: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url);
  if (!match?.[1] || !match[2]) return undefined;
  return { bucket: match[1], key: match[2] };
}

/** Users paste URLs; RKE2 wants a host. A scheme given here would otherwise end up doubled. */
function stripScheme(endpoint: string): string {
  return endpoint.replace(/^https?:\/\//, "").replace(/\/+$/, "");
}

export function endpointUrl(location: Pick<S3Location, "endpoint" | "insecure">): string {
  return `${location.insecure ? "http" : "https"}://${location.endpoint}`;
}

/**
 * Path-style addressing (`https://host/bucket/key`) or virtual-host style
 * (`https://bucket.host/key`). RKE2's S3 client (minio-go) in `auto` mode uses virtual hosts only
 * for Amazon's and Google's endpoints and path style for every other one (MinIO, Ceph, ...).
 */
export function usesPathStyle(location: Pick<S3Location, "bucketLookup" | "endpoint">): boolean {
  if (location.bucketLookup === "path") return true;
  if (location.bucketLookup === "dns") return false;
  const host = location.endpoint.split(":")[0] ?? "";
  const virtualHostCapable = /(^|\.)amazonaws\.com(\.cn)?$/.test(host) || host === "storage.googleapis.com";
  return !virtualHostCapable;
}
