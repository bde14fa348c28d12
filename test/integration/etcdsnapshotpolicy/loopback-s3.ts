/**
 * A loopback S3 server (s3rver, over HTTP or HTTPS) and a stand-in for RKE2's upload: the
 * simulator records S3 copies (ETCDSnapshotFile) but uploads nothing, so the uploader puts each
 * recorded, ready S3 copy into the bucket as RKE2 would, with s3rver's own credentials: the bytes
 * RKE2 saved (the sim's `simulatedSnapshotContent`, as many as the record says), so the operator's
 * integrity check compares the node-agent's digests with what really is in the bucket.
 *
 * s3rver 3.7 answers 500 to a ListObjectsV2 that has more keys than MaxKeys: its continuation
 * token is DES-encrypted, which OpenSSL 3 (Node 17 and later) no longer offers. The operator's
 * storage check lists with MaxKeys 1, so it only passes here on a folder holding at most one
 * object; policies that keep snapshots and policies whose checks a test asserts on later should
 * use different folders.
 */
import { mkdtempSync } from "node:fs";
import { Agent } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import S3rver from "s3rver";
import {
  etcdSnapshotFileResource,
  snapshotSizeBytes,
  type EtcdSnapshotFile,
} from "../../../src/api/etcdsnapshotfile.ts";
import { simulatedSnapshotContent } from "../../../src/sim/cluster/snapshots.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { parseS3Url } from "../../../src/storage/s3-location.ts";
import type { ServingCertificate } from "./tls.ts";

/** The only key pair s3rver knows. */
export const S3RVER_KEY = "S3RVER";

export interface LoopbackS3 {
  /** host:port, as spec.s3.endpoint takes it. */
  endpoint: string;
  /** Locations the uploader has put into the bucket. */
  uploaded: ReadonlySet<string>;
  stop(): Promise<void>;
}

export interface LoopbackS3Options {
  bucket: string;
  /** Serve HTTPS with this certificate; the uploader trusts `caPem`. */
  tls?: { serving: ServingCertificate; caPem: string };
  /** The sim's client, to read ETCDSnapshotFiles; absent: no uploader. */
  records?: KubePort;
}

/** The bytes RKE2 saved and uploads for a recorded snapshot: the sim's content, the record's size. */
export function savedSnapshotBytes(record: EtcdSnapshotFile): Buffer {
  const size = snapshotSizeBytes(record.status?.size) ?? 0;
  // Copied chunk by chunk as they come: the generator reuses its buffer.
  return Buffer.concat(
    Array.from(simulatedSnapshotContent(record.spec.snapshotName, size), (chunk) => Buffer.from(chunk)),
  );
}

export async function startLoopbackS3(options: LoopbackS3Options): Promise<LoopbackS3> {
  const directory = mkdtempSync(join(tmpdir(), "esp-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: options.bucket, configs: [] }],
    ...(options.tls ? { key: options.tls.serving.keyPem, cert: options.tls.serving.certPem } : {}),
  });
  const address = await server.run();
  const endpoint = `127.0.0.1:${address.port}`;
  const uploaded = new Set<string>();
  const httpsAgent = new Agent({ ...(options.tls ? { ca: options.tls.caPem } : {}) });
  const client = new S3Client({
    endpoint: `${options.tls ? "https" : "http"}://${endpoint}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY },
    requestHandler: new NodeHttpHandler({ httpsAgent }),
  });
  let uploading: Promise<void> = Promise.resolve();
  let busy = false;
  const records = options.records;
  const timer = records
    ? setInterval(() => {
        if (busy) return;
        busy = true;
        uploading = (async () => {
          for (const record of (await records.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items) {
            const target = parseS3Url(record.spec.location);
            if (
              target?.bucket !== options.bucket ||
              record.status?.readyToUse !== true ||
              uploaded.has(record.spec.location)
            )
              continue;
            await client.send(
              new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: savedSnapshotBytes(record) }),
            );
            uploaded.add(record.spec.location);
          }
        })()
          .catch(() => undefined)
          .finally(() => {
            busy = false;
          });
      }, 100)
    : undefined;
  return {
    endpoint,
    uploaded,
    async stop() {
      // Wait for a PUT in flight, so the server is never stopped mid-upload.
      if (timer) clearInterval(timer);
      await uploading;
      client.destroy();
      await server.close();
    },
  };
}
