/**
 * Is a snapshot copy the bytes the node saved? Pure. The node-agent hashes the file right after
 * the save (nodeops/digest.ts) and reports its size, SHA-256, MD5 and 16 MiB-part ETag. Here:
 * - a local copy: the bytes read must be as many as RKE2 recorded (a file cut short or replaced
 *   after the save shows up here; a same-size change to a local file cannot be seen without a
 *   second reading, which is the restore drill's job);
 * - an S3 copy: the object's size must match, and so must the one digest the bucket reports:
 *   `ChecksumSHA256` when the upload asked for it (RKE2's uploads do not), else the ETag, which is
 *   the MD5 of a single-PUT upload and `md5(part md5s)-n` of a multipart one (RKE2's minio client
 *   uses 16 MiB parts). A KMS-encrypted object's ETag is no MD5, and a multipart ETag with another
 *   part count was cut differently: then only the size is compared, and the status says so.
 * A copy without digests (an agent older than this check, or a save recovered from RKE2's record
 * after its Job failed) is not judged: `undefined`.
 */
import type { FileDigest } from "../../nodeops/digest.ts";
import type { ObjectStat } from "../../storage/s3-store.ts";

export type Integrity =
  | { verified: true; sha256: string; message: string }
  | {
      verified: false;
      sha256: string;
      message: string;
      /**
       * The object is smaller than the file: an upload may still be in flight (s3rver, for one,
       * shows an object while its PUT is being written). Worth looking again until the verify
       * deadline; every other mismatch is final.
       */
      incomplete?: true;
    };

export interface CopyToCheck {
  location: string;
  storage: "local" | "s3";
  digest?: FileDigest | undefined;
}

/** `recordedSize`: RKE2's record (or, without records, its listing); `object`: HeadObject of an S3 copy. */
export function checkIntegrity(
  copy: CopyToCheck,
  recordedSize: number | undefined,
  object: ObjectStat | undefined,
): Integrity | undefined {
  const { digest } = copy;
  if (!digest) return undefined;
  const bad = (message: string, incomplete = false): Integrity => ({
    verified: false,
    sha256: digest.sha256,
    message,
    ...(incomplete ? { incomplete: true as const } : {}),
  });
  const good = (message: string): Integrity => ({ verified: true, sha256: digest.sha256, message });
  if (copy.storage === "local") {
    if (recordedSize !== undefined && recordedSize !== digest.size)
      return bad(`the file on the node is ${digest.size} bytes, RKE2 recorded ${recordedSize}`);
    return good(`${digest.size} bytes as recorded; sha256 taken on the node`);
  }
  if (!object?.exists) return undefined;
  if (object.size !== digest.size) {
    const message = `the object in the bucket is ${object.size} bytes, the file saved on the node ${digest.size}`;
    return bad(message, object.size < digest.size);
  }
  const sha256 = object.digests?.checksumSha256;
  if (sha256 !== undefined && !sha256.includes("-")) {
    const reported = Buffer.from(sha256, "base64").toString("hex");
    if (reported !== digest.sha256)
      return bad(`the bucket's SHA-256 ${reported} differs from the node's ${digest.sha256}`);
    return good("size and SHA-256 match the bucket");
  }
  const etag = object.digests?.etag;
  const kms = object.digests?.serverSideEncryption?.startsWith("aws:kms") === true;
  if (etag === undefined || kms)
    return good(`size matches the bucket (${kms ? "KMS-encrypted: " : ""}no comparable digest)`);
  if (/^[0-9a-f]{32}$/.test(etag)) {
    if (etag !== digest.md5) return bad(`the bucket's ETag (MD5) ${etag} differs from the node's MD5 ${digest.md5}`);
    return good("size and ETag (MD5) match the bucket");
  }
  const parts = /^[0-9a-f]{32}-([0-9]+)$/.exec(etag)?.[1];
  const expectedParts = digest.multipartEtag?.split("-")[1];
  if (parts !== undefined && parts === expectedParts) {
    if (etag !== digest.multipartEtag)
      return bad(`the bucket's multipart ETag ${etag} differs from the node's ${digest.multipartEtag ?? ""}`);
    return good("size and multipart ETag match the bucket");
  }
  return good(`size matches the bucket (ETag ${etag} was not cut in 16 MiB parts: not comparable)`);
}
