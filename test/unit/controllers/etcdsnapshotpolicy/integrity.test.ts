import { describe, expect, it } from "@jest/globals";
import { checkIntegrity, type CopyToCheck } from "../../../../src/controllers/etcdsnapshotpolicy/integrity.ts";
import type { FileDigest } from "../../../../src/nodeops/digest.ts";
import type { ObjectStat } from "../../../../src/storage/s3-store.ts";

const SHA = "7978b8f05d639578839e407e61834e1dea08c64ef32d702de3ab746b35dede07";
const MD5 = "2d45f0673392e1eeb7d256516f47a572";
const SMALL: FileDigest = { size: 20, sha256: SHA, md5: MD5 };
const LARGE: FileDigest = { size: 40 << 20, sha256: SHA, md5: MD5, multipartEtag: `${"ab".repeat(16)}-3` };
const local = (digest?: FileDigest): CopyToCheck => ({ location: "file:///s/a", storage: "local", digest });
const remote = (digest?: FileDigest): CopyToCheck => ({ location: "s3://b/a", storage: "s3", digest });
const object = (size: number, digests: NonNullable<Extract<ObjectStat, { exists: true }>["digests"]>): ObjectStat => ({
  exists: true,
  size,
  digests,
});
// The base64 form S3 sends ChecksumSHA256 in.
const SHA_B64 = Buffer.from(SHA, "hex").toString("base64");

describe("checkIntegrity", () => {
  it.each<[string, CopyToCheck, number | undefined, ObjectStat | undefined, boolean | undefined, string]>([
    ["no digest (older agent): not judged", local(), 20, undefined, undefined, ""],
    ["local, as many bytes as RKE2 recorded", local(SMALL), 20, undefined, true, "20 bytes as recorded"],
    [
      "local, cut short after the save",
      local(SMALL),
      40,
      undefined,
      false,
      "the file on the node is 20 bytes, RKE2 recorded 40",
    ],
    ["S3, not confirmed yet: not judged", remote(SMALL), 20, undefined, undefined, ""],
    [
      "S3, a different size",
      remote(SMALL),
      20,
      object(19, { etag: MD5 }),
      false,
      "the object in the bucket is 19 bytes",
    ],
    ["S3, single-PUT ETag = MD5", remote(SMALL), 20, object(20, { etag: MD5 }), true, "size and ETag (MD5) match"],
    [
      "S3, single-PUT ETag differs",
      remote(SMALL),
      20,
      object(20, { etag: "f".repeat(32) }),
      false,
      "differs from the node's MD5",
    ],
    [
      "S3, ChecksumSHA256 matches",
      remote(SMALL),
      20,
      object(20, { checksumSha256: SHA_B64, etag: "x" }),
      true,
      "SHA-256 match",
    ],
    [
      "S3, ChecksumSHA256 differs",
      remote(SMALL),
      20,
      object(20, { checksumSha256: Buffer.alloc(32).toString("base64") }),
      false,
      "the bucket's SHA-256 0000",
    ],
    [
      "S3, multipart ETag with the same parts",
      remote(LARGE),
      undefined,
      object(40 << 20, { etag: `${"ab".repeat(16)}-3` }),
      true,
      "multipart ETag match",
    ],
    [
      "S3, multipart ETag differs",
      remote(LARGE),
      undefined,
      object(40 << 20, { etag: `${"cd".repeat(16)}-3` }),
      false,
      "multipart ETag",
    ],
    [
      "S3, cut in other parts: size only",
      remote(LARGE),
      undefined,
      object(40 << 20, { etag: `${"cd".repeat(16)}-5` }),
      true,
      "not comparable",
    ],
    [
      "S3, KMS: size only",
      remote(SMALL),
      20,
      object(20, { etag: "f".repeat(32), serverSideEncryption: "aws:kms" }),
      true,
      "KMS",
    ],
  ])("%s", (_, copy, recorded, stat, verified, message) => {
    const result = checkIntegrity(copy, recorded, stat);
    expect(result?.verified).toBe(verified);
    if (result) {
      expect(result.message).toContain(message);
      expect(result.sha256).toBe(SHA);
    }
  });

  it("a smaller object may be an upload still in flight (looked at again); a larger one is final", () => {
    expect(checkIntegrity(remote(SMALL), 20, object(7, { etag: MD5 }))).toMatchObject({
      verified: false,
      incomplete: true,
    });
    const larger = checkIntegrity(remote(SMALL), 20, object(21, { etag: MD5 }));
    expect(larger).toMatchObject({
      verified: false,
      message: "the object in the bucket is 21 bytes, the file saved on the node 20",
    });
    expect(larger).not.toHaveProperty("incomplete");
  });
});
