/** The ETCDSnapshotFile records RKE2 writes for `etcd-snapshot save`, one per location. */
import { createHash } from "node:crypto";
import { SNAPSHOT_STORAGE_NODE_LABEL, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import type { SnapshotSaveOptions } from "../../nodeops/agent-args.ts";
import { DigestBuilder, type FileDigest } from "../../nodeops/digest.ts";
import type { SnapshotRecord } from "../../nodeops/results.ts";
import type { NodeFaults } from "./faults.ts";
import { rfc3339 } from "./kinds.ts";

export const DEFAULT_SNAPSHOT_DIR = "/var/lib/rancher/rke2/server/db/snapshots";

/** `<name>-<node>-<unix-ts>`, plus `.zip` when compressed (the file name RKE2 uses). */
export function snapshotFileName(prefix: string, node: string, nowMs: number, compress: boolean): string {
  return `${prefix}-${node}-${Math.floor(nowMs / 1000)}${compress ? ".zip" : ""}`;
}

/** Record names: storage, then the sanitised snapshot name, then a short hash for uniqueness. */
export function snapshotRecordName(storage: "local" | "s3", snapshotName: string, location: string): string {
  const base = `${storage}-${snapshotName}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, "-")
    .slice(0, 200);
  return `${base}-${createHash("sha256").update(location).digest("hex").slice(0, 6)}`;
}

export interface SavedSnapshot {
  record: EtcdSnapshotFile;
  /** What the node-agent reports; absent for a failed S3 upload. */
  result?: SnapshotRecord;
}

export interface SaveFacts {
  node: string;
  nowMs: number;
  sizeBytes: number;
  /** S3 could not be reached: the S3 record is written failed and no result is reported for it. */
  s3Error?: string;
  /** The file is damaged after the save, before the node-agent hashes it (faults.ts). */
  corrupt?: NodeFaults["snapshotCorrupt"];
}

const CONTENT_CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of a simulated snapshot file, in 1 MiB chunks: a pattern seeded by the file name,
 * each chunk stamped with its index. Not an etcd database, but real bytes the sim's node-agent
 * hashes and the test S3 uploader puts in the bucket, so both sides of the integrity check see
 * the same content. The yielded buffer is reused: consume each chunk before asking for the next.
 */
export function* simulatedSnapshotContent(fileName: string, sizeBytes: number): Generator<Uint8Array> {
  const seed = createHash("sha256").update(fileName).digest();
  const chunk = Buffer.alloc(CONTENT_CHUNK_BYTES);
  for (let offset = 0; offset < chunk.length; offset += seed.length) seed.copy(chunk, offset);
  for (let index = 0; index * CONTENT_CHUNK_BYTES < sizeBytes; index++) {
    chunk.writeUInt32BE(index, 0);
    yield chunk.subarray(0, Math.min(CONTENT_CHUNK_BYTES, sizeBytes - index * CONTENT_CHUNK_BYTES));
  }
}

/** What the node-agent measures of the file on the node: the saved bytes, or what is left of them. */
export function simulatedFileDigest(
  fileName: string,
  sizeBytes: number,
  corrupt: NodeFaults["snapshotCorrupt"] = false,
): FileDigest {
  const builder = new DigestBuilder();
  const onDisk = corrupt === "truncated" ? Math.floor(sizeBytes / 2) : sizeBytes;
  const altered = corrupt === "altered" ? Math.floor(sizeBytes / 2) : -1;
  let offset = 0;
  for (const chunk of simulatedSnapshotContent(fileName, onDisk)) {
    if (altered >= offset && altered < offset + chunk.length) {
      const copy = Buffer.from(chunk);
      copy[altered - offset] = (copy[altered - offset] ?? 0) ^ 0xff;
      builder.update(copy);
    } else builder.update(chunk);
    offset += chunk.length;
  }
  return builder.finish();
}

/** The record RKE2 writes for a snapshot file saved on a node's disk. */
export function localSnapshotRecord(facts: {
  file: string;
  node: string;
  location: string;
  sizeBytes: number;
  /** RFC 3339, to the second. */
  created: string;
}): EtcdSnapshotFile {
  return {
    apiVersion: "k3s.cattle.io/v1",
    kind: "ETCDSnapshotFile",
    metadata: {
      name: snapshotRecordName("local", facts.file, facts.location),
      labels: { [SNAPSHOT_STORAGE_NODE_LABEL]: facts.node },
    },
    spec: { snapshotName: facts.file, nodeName: facts.node, location: facts.location },
    status: { size: String(facts.sizeBytes), creationTime: facts.created, readyToUse: true },
  };
}

/** The records a successful local save (and S3 upload, when asked) leaves behind. */
export function snapshotsForSave(options: SnapshotSaveOptions, facts: SaveFacts): SavedSnapshot[] {
  const file = snapshotFileName(options.name, facts.node, facts.nowMs, options.compress);
  const created = rfc3339(facts.nowMs);
  const local = `file://${options.dir ?? DEFAULT_SNAPSHOT_DIR}/${file}`;
  const digest = simulatedFileDigest(file, facts.sizeBytes, facts.corrupt);
  const saved: SavedSnapshot[] = [
    {
      record: localSnapshotRecord({ file, node: facts.node, location: local, sizeBytes: facts.sizeBytes, created }),
      result: { name: file, node: facts.node, location: local, size: facts.sizeBytes, createdAt: created, digest },
    },
  ];
  const s3 = options.s3;
  if (s3) {
    const key = s3.folder ? `${s3.folder}/${file}` : file;
    const location = `s3://${s3.bucket}/${key}`;
    const record: EtcdSnapshotFile = {
      apiVersion: "k3s.cattle.io/v1",
      kind: "ETCDSnapshotFile",
      metadata: { name: snapshotRecordName("s3", file, location), labels: { [SNAPSHOT_STORAGE_NODE_LABEL]: "s3" } },
      spec: {
        snapshotName: file,
        nodeName: facts.node,
        location,
        s3: {
          bucket: s3.bucket,
          ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
          ...(s3.endpointCa ? { endpointCA: s3.endpointCa } : {}),
          ...(s3.skipSslVerify ? { skipSSLVerify: true } : {}),
          ...(s3.region ? { region: s3.region } : {}),
          ...(s3.folder ? { prefix: s3.folder } : {}),
          ...(s3.insecure ? { insecure: true } : {}),
        },
      },
      status: facts.s3Error
        ? { creationTime: created, readyToUse: false, error: { time: created, message: facts.s3Error } }
        : { size: String(facts.sizeBytes), creationTime: created, readyToUse: true },
    };
    saved.push(
      facts.s3Error
        ? { record }
        : {
            record,
            result: { name: file, node: facts.node, location, size: facts.sizeBytes, createdAt: created, digest },
          },
    );
  }
  return saved;
}

/** The S3 error RKE2 reports when the endpoint cannot be reached. */
export function s3UnreachableError(bucket: string, endpoint = "s3.amazonaws.com"): string {
  return (
    `failed to test for existence of bucket ${bucket}: ` +
    `Head "https://${endpoint}/${bucket}/": dial tcp: connect: connection refused`
  );
}
