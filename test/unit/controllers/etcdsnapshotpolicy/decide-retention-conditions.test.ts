import { describe, expect, it } from "@jest/globals";
import { decide } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import { input, localCopy, MINUTE, T0, ready } from "./builders.ts";

describe("decide: retention", () => {
  it("prunes beyond count through delete Jobs on each copy's node, never the newest success", () => {
    const records = [0, 1, 2].map((i) =>
      localCopy("nightly", i === 2 ? "server-1" : "etcd-1", T0 - (3 - i) * 60 * MINUTE),
    );
    const decision = decide(input({ now: T0 - 5 * MINUTE, spec: { retention: { count: 1 } }, records }));
    expect(decision.prune).toEqual([{ node: "etcd-1", names: [records[0]?.name, records[1]?.name].sort() }]);
    expect(decision.status.snapshotCount).toBe(1);
    expect(decision.status.snapshots?.map((s) => s.name)).toEqual([records[2]?.name]);
  });

  it("keeps everything while the newest attempt failed or the storage is unavailable", () => {
    const records = [0, 1, 2].map((i) => localCopy("nightly", "etcd-1", T0 - (3 - i) * 60 * MINUTE));
    const failing = decide(
      input({
        now: T0 - 5 * MINUTE,
        spec: { retention: { count: 1 } },
        records,
        status: { lastFailure: { time: "2026-02-28T23:50:00Z", message: "x" }, consecutiveFailures: 1 },
      }),
    );
    expect(failing.prune).toEqual([]);
    const unavailable = decide(
      input({
        now: T0 - 5 * MINUTE,
        spec: { retention: { count: 1 }, s3: { bucket: "backups" } },
        records,
        status: { storage: { phase: "Unavailable", lastValidationTime: "2026-02-28T23:54:00Z", message: "down" } },
      }),
    );
    expect(unavailable.prune).toEqual([]);
  });

  it("leaves another policy's snapshots alone", () => {
    const records = [
      localCopy("nightly-eu", "etcd-1", T0 - 3 * 60 * MINUTE),
      localCopy("nightly-eu", "etcd-1", T0 - 2 * 60 * MINUTE),
    ];
    expect(decide(input({ now: T0 - 5 * MINUTE, spec: { retention: { count: 1 } }, records })).prune).toEqual([]);
  });
});

describe("decide: invalid specs and conditions", () => {
  it.each([
    [{ schedule: "every day" }, /invalid cron schedule/],
    [{ schedule: "* * * * *", timeZone: "Mars/Olympus_Mons" }, /time zone/],
    [{ schedule: "* * * * *", retention: { count: 0 } }, /spec\.retention\.count/],
  ])("%j -> Ready=False InvalidSpec, nothing started", (spec, message) => {
    const decision = decide(input({ now: T0 + 5_000, spec }));
    expect(decision.start).toBeUndefined();
    expect(decision.prune).toEqual([]);
    expect(ready(decision)).toMatchObject({
      status: "False",
      reason: "InvalidSpec",
      message: expect.stringMatching(message),
    });
  });

  it("reports overdue when no success within two intervals, and not while suspended", () => {
    const overdue = decide(input({ now: T0 + 2 * 60 * MINUTE + 11 * MINUTE, creationTime: T0 - 60 * MINUTE }));
    expect(overdue.status.conditions?.find((c) => c.type === "SnapshotOverdue")).toMatchObject({
      status: "True",
      reason: "Overdue",
    });
    const suspended = decide(
      input({ now: T0 + 3 * 60 * MINUTE, creationTime: T0 - 60 * MINUTE, spec: { suspend: true } }),
    );
    expect(suspended.status.conditions?.find((c) => c.type === "SnapshotOverdue")).toMatchObject({
      status: "False",
      reason: "Suspended",
    });
    expect(suspended.status.nextScheduleTime).toBeUndefined();
  });

  it("turns a storage check into status, condition and a transition event", () => {
    const spec = { s3: { bucket: "backups" } };
    const down = decide(
      input({
        now: T0 + 5_000,
        spec,
        storageCheck: { ok: false, message: "S3 s3.amazonaws.com unreachable: ECONNREFUSED" },
        status: { storage: { phase: "Available", lastValidationTime: "2026-02-28T23:50:00Z", message: "ok" } },
      }),
    );
    expect(down.status.storage).toEqual({
      phase: "Unavailable",
      lastValidationTime: "2026-03-01T00:00:05Z",
      message: "S3 s3.amazonaws.com unreachable: ECONNREFUSED",
    });
    expect(down.status.conditions?.find((c) => c.type === "StorageAvailable")).toMatchObject({
      status: "False",
      reason: "StorageUnreachable",
    });
    expect(down.events.map((e) => e.reason)).toContain("StorageUnavailable");
    const still = decide(
      input({
        now: T0 + 65_000,
        spec,
        storageCheck: { ok: false, message: "S3 s3.amazonaws.com unreachable: ECONNREFUSED" },
        status: down.status,
      }),
    );
    expect(still.events.map((e) => e.reason)).not.toContain("StorageUnavailable");
  });
});
