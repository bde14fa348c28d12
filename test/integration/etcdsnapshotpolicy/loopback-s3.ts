/**
 * A loopback S3 server (s3rver, over HTTP or HTTPS) and a stand-in for RKE2's upload: the
 * simulator records S3 copies (ETCDSnapshotFile) but uploads nothing, so the uploader puts each
 * recorded, ready S3 copy into the bucket: the bytes RKE2 saved (the sim's
 * `simulatedSnapshotContent`, as many as the record says), so the operator's integrity check
 * compares the node-agent's digests with what really is in the bucket. It writes them into
 * s3rver's store directly, not over HTTP: uploads through the AWS SDK fell behind here, each
 * object landing after the operator's verification window on the tests' 30x clock (120 s, 4 real
 * seconds) had closed, in 2 of 6 runs on the real lane. The operator's own requests, over HTTPS,
 * are what these tests are about.
 *
 * s3rver 3.7 answers 500 to a ListObjectsV2 that has more keys than MaxKeys: its continuation
 * token is DES-encrypted, which OpenSSL 3 (Node 17 and later) no longer offers. The operator's
 * storage check lists with MaxKeys 1, so it only passes here on a folder holding at most one
 * object; policies that keep snapshots and policies whose checks a test asserts on later should
 * use different folders.
 */
import { createHash } from "node:crypto";
import { createWriteStream, mkdtempSync } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
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
  /** Serve HTTPS with this certificate. */
  tls?: { serving: ServingCertificate };
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

/** The part of s3rver's filesystem store that `putObjectsAtomically` replaces and uses. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: {
    bucket: string;
    key: string;
    content: Buffer | Readable;
    metadata: unknown;
  }): Promise<{ size: number; md5: string }>;
}

/**
 * s3rver 3.7 streams a PUT straight into the object's file, where a HEAD finds it while the upload
 * is still coming in (a short object, whose partial MD5 it even caches). S3 shows a PUT only once
 * it is complete, and the operator's integrity check relies on that: a HEAD in that window made it
 * call a good snapshot corrupt. Here the bytes go to a file s3rver does not list (`.uploading`),
 * the MD5 and metadata are written, and the file is renamed into place last.
 */
function putObjectsAtomically(store: FilesystemStore): void {
  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, "object");
    const staged = `${objectPath}.uploading`;
    await mkdir(dirname(objectPath), { recursive: true });
    const md5 = createHash("md5");
    let size = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    await pipeline(content, counted, createWriteStream(staged));
    const digest = md5.digest("hex");
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    await rename(staged, objectPath);
    return { size, md5: digest };
  };
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
  const store = (server as unknown as { store: FilesystemStore }).store;
  putObjectsAtomically(store);
  const address = await server.run();
  const endpoint = `127.0.0.1:${address.port}`;
  const uploaded = new Set<string>();
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
            await store.putObject({
              bucket: target.bucket,
              key: target.key,
              content: savedSnapshotBytes(record),
              metadata: { "content-type": "application/octet-stream" },
            });
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
      await server.close();
    },
  };
}
