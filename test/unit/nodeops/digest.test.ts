import { describe, expect, it } from "@jest/globals";
import { digestStream, MULTIPART_PART_BYTES } from "../../../src/nodeops/digest.ts";

async function* chunks(total: number, chunkBytes: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < total; offset += chunkBytes) {
    yield new Uint8Array(Math.min(chunkBytes, total - offset));
    await Promise.resolve();
  }
}

describe("digestStream", () => {
  it("gives the digests sha256sum and md5sum print, and no multipart ETag below one part", async () => {
    async function* one(): AsyncIterable<Uint8Array> {
      yield Buffer.from("etcd snapshot ");
      yield Buffer.from("bytes\n");
      await Promise.resolve();
    }
    expect(await digestStream(one())).toEqual({
      size: 20,
      sha256: "7978b8f05d639578839e407e61834e1dea08c64ef32d702de3ab746b35dede07",
      md5: "2d45f0673392e1eeb7d256516f47a572",
    });
  });

  it("computes the ETag of a 16 MiB-part upload whatever the read chunks (17 MiB of zeros: 2 parts)", async () => {
    const size = MULTIPART_PART_BYTES + 1024 * 1024;
    const expected = {
      size,
      sha256: "22427fd5e24f1989afefbda75c8daf74aa02a1d4b2ba47dae755b275d35da5cf",
      md5: "e3d91b615096b8265b58c5d0efad4254",
      // md5(md5(16 MiB) ‖ md5(1 MiB))-2, computed with Python's hashlib.
      multipartEtag: "d7f0e9878e982a33237d7f6f946e7951-2",
    };
    expect(await digestStream(chunks(size, 3 * 1024 * 1024 + 7))).toEqual(expected);
    expect(await digestStream(chunks(size, MULTIPART_PART_BYTES))).toEqual(expected);
  });
});
