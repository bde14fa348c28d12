import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { planAction, actionRequestOf, type NodeFacts } from "../../../../src/sim/cluster/actions.ts";
import { NO_FAULTS } from "../../../../src/sim/cluster/faults.ts";
import { simulatedFileDigest, simulatedSnapshotContent } from "../../../../src/sim/cluster/snapshots.ts";
import { buildSnapshotSaveArgs } from "../../../../src/nodeops/agent-args.ts";
import { decodeResult } from "../../../../src/nodeops/results.ts";

const NAME = "nightly-server-1-1767225600.zip";
const SIZE = 17 * 1024 * 1024 + 123;

/** The whole simulated file, copied chunk by chunk (the generator reuses its buffer). */
const wholeFile = (size: number): Buffer =>
  Buffer.concat(Array.from(simulatedSnapshotContent(NAME, size), (chunk) => Buffer.from(chunk)));

describe("simulated snapshot content and the sim's node-agent digests", () => {
  it("hashes the real simulated bytes: what a client downloading the file would compute", () => {
    const bytes = wholeFile(SIZE);
    expect(bytes.length).toBe(SIZE);
    expect(simulatedFileDigest(NAME, SIZE)).toMatchObject({
      size: SIZE,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      md5: createHash("md5").update(bytes).digest("hex"),
      multipartEtag: expect.stringMatching(/-2$/),
    });
    // Another file has other bytes.
    expect(simulatedFileDigest("other-server-1-1767225600", SIZE).sha256).not.toBe(
      simulatedFileDigest(NAME, SIZE).sha256,
    );
  });

  it("snapshotCorrupt: truncated halves the file, altered keeps the size and changes the hash", () => {
    const good = simulatedFileDigest(NAME, SIZE);
    const truncated = simulatedFileDigest(NAME, SIZE, "truncated");
    const altered = simulatedFileDigest(NAME, SIZE, "altered");
    expect(truncated.size).toBe(Math.floor(SIZE / 2));
    expect(truncated.sha256).toBe(
      createHash("sha256")
        .update(wholeFile(Math.floor(SIZE / 2)))
        .digest("hex"),
    );
    expect(altered.size).toBe(SIZE);
    expect(altered.sha256).not.toBe(good.sha256);
  });

  it("the save result carries the digest of the file on the node, the records RKE2's size", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "jobs", labels: { "rke2-lifecycle.io/action": "snapshot-save" } },
      spec: {
        nodeName: "server-1",
        containers: [
          {
            name: "main",
            image: "agent",
            command: ["/usr/local/bin/rke2-lifecycle"],
            args: buildSnapshotSaveArgs({ name: "nightly", compress: true }),
          },
        ],
      },
    };
    const facts: NodeFacts = {
      name: "server-1",
      roles: { etcd: true, controlPlane: true },
      version: "v1.30.6+rke2r1",
      faults: { ...NO_FAULTS, snapshotCorrupt: "truncated" },
      saveInProgress: false,
      snapshotRecords: [],
      nowMs: Date.UTC(2026, 0, 1),
      snapshotSizeBytes: 4000,
    };
    const outcome = planAction(actionRequestOf(pod)!, facts);
    const decoded = decodeResult(outcome.message);
    const [saved] =
      decoded.ok && decoded.result.ok && decoded.result.action === "snapshot-save" ? decoded.result.snapshots : [];
    expect(saved?.size).toBe(4000);
    expect(saved?.digest).toEqual(simulatedFileDigest(NAME, 4000, "truncated"));
    expect(outcome.createRecords[0]?.status?.size).toBe("4000");
  });
});
