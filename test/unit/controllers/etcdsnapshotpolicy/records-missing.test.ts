import { describe, expect, it } from "@jest/globals";
import { decide } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import { input, localCopy, MINUTE, run, s3Copy, succeededJob, T0 } from "./builders.ts";

const recordsCondition = (d: ReturnType<typeof decide>) =>
  d.status.conditions?.find((c) => c.type === "RecordsAvailable");

describe("decide without RKE2's ETCDSnapshotFile records (no CRD)", () => {
  it("says so in RecordsAvailable, and says the opposite when they are served", () => {
    expect(recordsCondition(decide(input({ recordsServed: false })))).toMatchObject({
      status: "False",
      reason: "RecordsCRDMissing",
    });
    expect(recordsCondition(decide(input({ recordsServed: false })))?.message).toContain("retention prunes nothing");
    expect(recordsCondition(decide(input()))).toMatchObject({ status: "True", reason: "RecordsServed" });
  });

  it("verifies a run from the node-agent's CLI listing, still checking S3 copies in the bucket", () => {
    const local = localCopy("nightly", "etcd-1", T0 - 2 * MINUTE);
    const remote = s3Copy("nightly", "etcd-1", T0 - 2 * MINUTE);
    const runs = [run("slot/a", [succeededJob("etcd-1", [local, remote], T0 - 3 * MINUTE, T0 - MINUTE)])];
    const spec = { s3: { bucket: "backups", folder: "prod" } };
    const waiting = decide(input({ recordsServed: false, spec, runs }));
    expect(waiting.status.lastSuccessfulSnapshot).toBeUndefined();
    const checks = new Map([[remote.location, { exists: true as const, size: 1000 }]]);
    const verified = decide(input({ recordsServed: false, spec, runs, objectChecks: checks }));
    expect(verified.status.lastSuccessfulSnapshot?.name).toBe(local.name);
    // With records served, the same run waits for RKE2 to record it.
    expect(decide(input({ spec, runs, objectChecks: checks })).status.lastSuccessfulSnapshot).toBeUndefined();
  });

  it("neither prunes nor rewrites the retained list it cannot see", () => {
    const records = [0, 1, 2].map((i) => localCopy("nightly", "etcd-1", T0 - (3 - i) * 60 * MINUTE));
    const kept = {
      snapshots: [
        {
          name: "nightly-etcd-1-1.zip",
          node: "etcd-1",
          location: "file:///x",
          size: 1,
          takenAt: "2026-02-28T00:00:00Z",
        },
      ],
      snapshotCount: 1,
    };
    const decision = decide(
      input({ now: T0 - 5 * MINUTE, recordsServed: false, spec: { retention: { count: 1 } }, records, status: kept }),
    );
    expect(decision.prune).toEqual([]);
    expect(decision.status.snapshots).toEqual(kept.snapshots);
    expect(decision.status.snapshotCount).toBe(1);
  });
});

describe("decide on a Rancher-provisioned cluster", () => {
  it("starts no run and prunes nothing, with Ready=False ManagedByRancher", () => {
    const records = [0, 1, 2].map((i) => localCopy("nightly", "etcd-1", T0 - (3 - i) * 60 * MINUTE));
    const decision = decide(
      input({ rancherRefusal: "provisioned by Rancher", spec: { trigger: "now", retention: { count: 1 } }, records }),
    );
    expect(decision.start).toBeUndefined();
    expect(decision.prune).toEqual([]);
    expect(decision.status.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ManagedByRancher",
      message: "provisioned by Rancher",
    });
    expect(decide(input({ spec: { trigger: "now" } })).start).toBeDefined();
  });
});
