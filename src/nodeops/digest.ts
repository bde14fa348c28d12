/**
 * The digests the node-agent takes of a snapshot file right after the save, in one streaming
 * pass (node:crypto; the file is never held in memory), and the ETag S3 would give the same bytes.
 *
 * Why an ETag as well as SHA-256: RKE2 uploads with minio-go's `FPutObject` and asks for no
 * checksum (k3s pkg/etcd/s3/s3.go `uploadSnapshot`), so the only digest S3 reports for its objects
 * is the ETag. For an unencrypted or SSE-S3 object that is the MD5 of the bytes when the upload
 * was one PUT, and `md5(md5(part 1) ‖ … ‖ md5(part n))-n` when it was multipart. minio-go uploads
 * a file of known size below 16 MiB in one PUT and a larger one in 16 MiB parts (its
 * `minPartSize`, the part size `OptimalPartInfo` picks for anything under 156 GiB), so both forms
 * are computed here and the operator compares the one the bucket shows.
 */
import { createHash, type Hash } from "node:crypto";

/** minio-go's minimum (and, below 156 GiB, actual) part size. */
export const MULTIPART_PART_BYTES = 16 * 1024 * 1024;

export interface FileDigest {
  /** Bytes read. */
  size: number;
  sha256: string;
  md5: string;
  /** The ETag of a 16 MiB-part multipart upload; absent below one part (a single PUT then). */
  multipartEtag?: string;
}

/** Takes the digests chunk by chunk, in the order the bytes come. */
export class DigestBuilder {
  private readonly sha256 = createHash("sha256");
  private readonly md5 = createHash("md5");
  private readonly partDigests: Buffer[] = [];
  private part: Hash = createHash("md5");
  private partBytes = 0;
  private size = 0;

  update(chunk: Uint8Array): void {
    this.sha256.update(chunk);
    this.md5.update(chunk);
    this.size += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(MULTIPART_PART_BYTES - this.partBytes, chunk.byteLength - offset);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partBytes += take;
      offset += take;
      if (this.partBytes === MULTIPART_PART_BYTES) {
        this.partDigests.push(this.part.digest());
        this.part = createHash("md5");
        this.partBytes = 0;
      }
    }
  }

  /** Once: the hashes are spent after. */
  finish(): FileDigest {
    if (this.partBytes > 0) this.partDigests.push(this.part.digest());
    const digest: FileDigest = { size: this.size, sha256: this.sha256.digest("hex"), md5: this.md5.digest("hex") };
    if (this.size >= MULTIPART_PART_BYTES) {
      const combined = createHash("md5").update(Buffer.concat(this.partDigests)).digest("hex");
      digest.multipartEtag = `${combined}-${this.partDigests.length}`;
    }
    return digest;
  }
}

/** Digests of a byte stream, read once. */
export async function digestStream(chunks: AsyncIterable<Uint8Array>): Promise<FileDigest> {
  const builder = new DigestBuilder();
  for await (const chunk of chunks) builder.update(chunk);
  return builder.finish();
}
