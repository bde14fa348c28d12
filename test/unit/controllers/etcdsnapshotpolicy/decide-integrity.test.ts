/** decide and the integrity check: the verdict of a run, where it is kept, and what it changes. */
import { describe, expect, it } from "@jest/globals";
import { decide } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import type { RecordedSnapshot } from "../../../../src/controllers/etcdsnapshotpolicy/records.ts";
import type { FileDigest } from "../../../../src/nodeops/digest.ts";
import { encodeResult } from "../../../../src/nodeops/results.ts";
import { asReported, input, job, localCopy, MINUTE, run, s3Copy, T0 } from "./builders.ts";

const SHA = "ab".repeat(32);
const MD5 = "cd".repeat(16);
const digest = (size: number): FileDigest => ({ size, sha256: SHA, md5: MD5 });

function savedWith(node: string, copies: RecordedSnapshot[], measured: FileDigest, at: number) {
  const message = encodeResult({
    ok: true,
    action: "snapshot-save",
    snapshots: copies.map((copy) => ({ ...asReported(copy), digest: measured })),
  });
  return run(`slot/${new Date(at).toISOString()}`, [
    job(node, { state: "Succeeded", message }, { created: at, finished: at + 20_000 }),
  ]);
}

describe("decide: snapshot integrity", () => {
  const older = localCopy("nightly", "etcd-1", T0 - 60 * MINUTE);
  const lastVerified = {
    name: older.name,
    node: "etcd-1",
    location: older.location,
    size: 1000,
    takenAt: "2026-02-28T23:00:00Z",
    sha256: "ef".repeat(32),
    verified: true,
    verifyMessage: "1000 bytes as recorded; sha256 taken on the node",
  };
  const status = { lastSuccessfulSnapshot: lastVerified, snapshots: [lastVerified], consecutiveFailures: 0 };

  it("keeps the SHA-256 and the verdict of a verified copy in status.snapshots, and carries them over", () => {
    const copy = localCopy("nightly", "etcd-1", T0 + 10_000);
    const done = savedWith("etcd-1", [copy], digest(1000), T0);
    const first = decide(input({ now: T0 + 30_000, runs: [done], records: [copy, older], status }));
    const entry = { sha256: SHA, verified: true, verifyMessage: "1000 bytes as recorded; sha256 taken on the node" };
    expect(first.status.lastSuccessfulSnapshot).toMatchObject(entry);
    expect(first.status.snapshots?.[0]).toMatchObject({ name: copy.name, ...entry });
    // The next reconcile no longer evaluates the (processed) run: the status it wrote holds the verdict.
    const processed = { ...done, processed: true, jobs: done.jobs.map((j) => ({ ...j, processed: true })) };
    const later = decide(input({ now: T0 + MINUTE, runs: [processed], records: [copy, older], status: first.status }));
    expect(later.status.snapshots?.[0]).toMatchObject({ name: copy.name, ...entry });
  });

  it("fails a run whose file is not what RKE2 recorded, marks it not verified, and keeps the last verified one", () => {
    const copy = localCopy("nightly", "etcd-1", T0 + 10_000);
    const done = savedWith("etcd-1", [copy], digest(500), T0);
    const decision = decide(
      input({ now: T0 + 30_000, spec: { retention: { count: 1 } }, runs: [done], records: [copy, older], status }),
    );
    expect(decision.status.lastFailure?.message).toBe(
      `etcd-1: ${copy.location} not verified: the file on the node is 500 bytes, RKE2 recorded 1000`,
    );
    expect(decision.status.lastSuccessfulSnapshot?.name).toBe(older.name);
    expect(decision.events.map((e) => e.reason)).toContain("SnapshotFailed");
    // count 1: the one place goes to the last verified snapshot, never to the corrupt newer one.
    expect(decision.status.snapshots?.map((s) => s.name)).toEqual([older.name]);
    const notVerified = [
      {
        name: copy.name,
        location: copy.location,
        sha256: SHA,
        message: "the file on the node is 500 bytes, RKE2 recorded 1000",
      },
    ];
    expect(decision.status.notVerified).toEqual(notVerified);
    // Pruning waits while the newest attempt failed; reconciles after that still know the verdict
    // (from status.notVerified, as the run is processed), so the corrupt copy never becomes "good".
    const processed = { ...done, processed: true, jobs: done.jobs.map((j) => ({ ...j, processed: true })) };
    const later = decide(
      input({
        now: T0 + MINUTE,
        spec: { retention: { count: 1 } },
        runs: [processed],
        records: [copy, older],
        status: decision.status,
      }),
    );
    expect(later.status.snapshots?.map((s) => s.name)).toEqual([older.name]);
    expect(later.status.notVerified).toEqual(notVerified);
    // Once the corrupt copy is gone, so is its entry.
    const gone = decide(input({ now: T0 + MINUTE, runs: [processed], records: [older], status: later.status }));
    expect(gone.status.notVerified).toBeUndefined();
  });

  it("lists a corrupt save as not verified, with the reason, while there is room for it", () => {
    const copy = localCopy("nightly", "etcd-1", T0 + 10_000);
    const done = savedWith("etcd-1", [copy], digest(500), T0);
    const decision = decide(
      input({ now: T0 + 30_000, spec: { retention: { count: 2 } }, runs: [done], records: [copy, older], status }),
    );
    expect(decision.status.snapshots).toEqual([
      expect.objectContaining({
        name: copy.name,
        verified: false,
        verifyMessage: "the file on the node is 500 bytes, RKE2 recorded 1000",
      }),
      lastVerified,
    ]);
  });

  it("fails an S3 copy whose ETag is not the MD5 of the file saved on the node", () => {
    const copy = localCopy("nightly", "etcd-1", T0 + 10_000);
    const remote = s3Copy("nightly", "etcd-1", T0 + 10_000);
    const done = savedWith("etcd-1", [copy, remote], digest(1000), T0);
    const decision = decide(
      input({
        now: T0 + 30_000,
        spec: { s3: { bucket: "backups", folder: "prod" } },
        runs: [done],
        records: [copy, remote, older],
        status,
        objectChecks: new Map([
          [remote.location, { exists: true as const, size: 1000, digests: { etag: "0".repeat(32) } }],
        ]),
      }),
    );
    expect(decision.status.lastFailure?.message).toContain(
      `${remote.location} not verified: the bucket's ETag (MD5) ${"0".repeat(32)} differs from the node's MD5 ${MD5}`,
    );
    expect(decision.status.lastSuccessfulSnapshot?.name).toBe(older.name);
  });

  it("waits while the S3 object is smaller than the file (an upload in flight), then fails at the deadline", () => {
    const copy = localCopy("nightly", "etcd-1", T0 + 10_000);
    const remote = s3Copy("nightly", "etcd-1", T0 + 10_000);
    const done = savedWith("etcd-1", [copy, remote], digest(1000), T0);
    const partial = new Map([[remote.location, { exists: true as const, size: 400, digests: { etag: MD5 } }]]);
    const at = (now: number) =>
      decide(
        input({
          now,
          spec: { s3: { bucket: "backups", folder: "prod" } },
          runs: [done],
          records: [copy, remote, older],
          status,
          objectChecks: partial,
        }),
      );
    const early = at(T0 + 30_000);
    expect(early.markProcessed).toEqual([]);
    expect(early.status.lastFailure).toBeUndefined();
    const late = at(T0 + 20_000 + 2 * MINUTE);
    expect(late.status.lastFailure?.message).toBe(
      `not verified within 120s: ${remote.location} not verified: ` +
        "the object in the bucket is 400 bytes, the file saved on the node 1000",
    );
    expect(late.status.notVerified?.map((e) => e.location)).toEqual([remote.location]);
  });
});
