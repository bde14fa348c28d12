import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  SAME_EVENT_WINDOW_MS,
  groupSnapshotEvents,
  isPolicySnapshot,
  isSuccessful,
  selectSnapshotsToDelete,
  type PolicySnapshot,
  type SnapshotStorage,
} from "../../../../src/controllers/etcdsnapshotpolicy/retention.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse("2025-06-01T00:00:00Z");

function snap(
  policy: string,
  node: string,
  takenAt: number,
  storage: SnapshotStorage = "local",
  size = 1000,
): PolicySnapshot {
  const name = `${policy}-${node}-${Math.floor(takenAt / 1000)}`;
  const location =
    storage === "s3" ? `s3://bucket/prod/${name}` : `file:///var/lib/rancher/rke2/server/db/snapshots/${name}`;
  return { name, node, location, takenAt, size, storage };
}

/** One AllEtcdNodes run: every node saves a few seconds apart, each copy on disk and in S3. */
function run(policy: string, nodes: string[], at: number, size = 1000): PolicySnapshot[] {
  return nodes.flatMap((node, index) => [
    snap(policy, node, at + index * 5000, "local", size),
    snap(policy, node, at + index * 5000, "s3", size),
  ]);
}

const names = (snapshots: readonly PolicySnapshot[]): string[] => [...new Set(snapshots.map((s) => s.name))];

describe("isPolicySnapshot", () => {
  it.each<[string, string, string, boolean]>([
    ["daily", "daily-n1-1700000000", "n1", true],
    ["daily", "daily-n1-1700000000.zip", "n1", true],
    ["daily", "daily-eu-n1-1700000000", "n1", false],
    ["daily-eu", "daily-eu-n1-1700000000", "n1", true],
    ["daily", "daily-eu-n1-1700000000", "eu-n1", true],
    ["daily", "daily-n1-1700000000", "s3", false],
    ["daily", "daily-n1-17000x0000", "n1", false],
    ["daily", "daily-n1-", "n1", false],
    ["daily", "etcd-snapshot-n1-1700000000", "n1", false],
    ["daily", "dailyx-n1-1700000000", "n1", false],
  ])("policy %s, %s on node %s -> %s", (policy, name, node, expected) => {
    expect(isPolicySnapshot(policy, { name, node })).toBe(expected);
  });
});

describe("selectSnapshotsToDelete", () => {
  const nodes = ["etcd-1", "etcd-2", "etcd-3"];

  it("counts one run on three nodes, on disk and in S3, as one snapshot (rke2 #5216)", () => {
    const runs = [0, 1, 2, 3, 4, 5].map((i) => run("every-6h", nodes, NOW - (6 - i) * 6 * HOUR));
    const decision = selectSnapshotsToDelete({ policyName: "every-6h", snapshots: runs.flat(), count: 5, now: NOW });
    expect(decision.keep).toHaveLength(5 * 6);
    expect(decision.delete).toEqual(
      runs[0]?.slice().sort((a, b) => a.takenAt - b.takenAt || (a.storage < b.storage ? -1 : 1)),
    );
    expect(decision.keep[0]?.takenAt).toBe(NOW - 6 * HOUR + 10_000);
  });

  it("leaves other policies' snapshots alone, even those whose names start with its own", () => {
    const snapshots = [
      snap("daily", "n1", NOW - 3 * DAY),
      snap("daily", "n1", NOW - DAY),
      snap("daily-eu", "n1", NOW - 2 * DAY),
    ];
    const decision = selectSnapshotsToDelete({ policyName: "daily", snapshots, count: 1, now: NOW });
    expect(names(decision.keep)).toEqual([`daily-n1-${(NOW - DAY) / 1000}`]);
    expect(names(decision.delete)).toEqual([`daily-n1-${(NOW - 3 * DAY) / 1000}`]);
  });

  it("drops snapshots older than maxAge but never the newest success", () => {
    const snapshots = [snap("p", "n1", NOW - 10 * DAY), snap("p", "n1", NOW - 9 * DAY), snap("p", "n1", NOW - 8 * DAY)];
    const decision = selectSnapshotsToDelete({ policyName: "p", snapshots, count: 5, maxAgeMs: 7 * DAY, now: NOW });
    expect(decision.keep).toEqual([snapshots[2]]);
    expect(decision.delete).toEqual([snapshots[0], snapshots[1]]);
  });

  it("keeps a snapshot exactly maxAge old", () => {
    const snapshots = [snap("p", "n1", NOW - 7 * DAY), snap("p", "n1", NOW - DAY)];
    const decision = selectSnapshotsToDelete({ policyName: "p", snapshots, count: 5, maxAgeMs: 7 * DAY, now: NOW });
    expect(decision.delete).toEqual([]);
  });

  it("keeps the newest success when newer saves failed, and it takes one of the count places", () => {
    const good = [snap("p", "n1", NOW - 3 * DAY), snap("p", "n1", NOW - 2 * DAY)];
    const failed = [snap("p", "n1", NOW - DAY, "local", 0), snap("p", "n1", NOW - HOUR, "local", 0)];
    const decision = selectSnapshotsToDelete({ policyName: "p", snapshots: [...good, ...failed], count: 2, now: NOW });
    expect(decision.keep).toEqual([failed[1], good[1]]);
    expect(decision.delete).toEqual([good[0], failed[0]]);
  });

  it("deletes failed saves that a later success superseded, even with room to spare", () => {
    const snapshots = [snap("p", "n1", NOW - 2 * DAY, "local", 0), snap("p", "n1", NOW - DAY)];
    const decision = selectSnapshotsToDelete({ policyName: "p", snapshots, count: 5, now: NOW });
    expect(decision.keep).toEqual([snapshots[1]]);
    expect(decision.delete).toEqual([snapshots[0]]);
  });

  it("keeps the newest failures up to count when nothing ever succeeded", () => {
    const snapshots = [1, 2, 3].map((days) => snap("p", "n1", NOW - days * DAY, "local", 0));
    const decision = selectSnapshotsToDelete({ policyName: "p", snapshots, count: 2, now: NOW });
    expect(decision.keep).toEqual([snapshots[0], snapshots[1]]);
  });

  it("an event counts as successful when one of its copies is, and is kept or deleted whole", () => {
    const partial = [snap("p", "n1", NOW - DAY), snap("p", "n1", NOW - DAY, "s3", 0)];
    const older = run("p", ["n1"], NOW - 2 * DAY);
    const decision = selectSnapshotsToDelete({
      policyName: "p",
      snapshots: [...older, ...partial],
      count: 1,
      now: NOW,
    });
    expect(new Set(decision.keep)).toEqual(new Set(partial));
    expect(new Set(decision.delete)).toEqual(new Set(older));
  });

  it("gives the same answer whatever order the snapshots are listed in", () => {
    const snapshots = [0, 1, 2, 3].flatMap((i) => run("p", nodes, NOW - i * DAY));
    const forward = selectSnapshotsToDelete({ policyName: "p", snapshots, count: 2, now: NOW });
    const backward = selectSnapshotsToDelete({
      policyName: "p",
      snapshots: [...snapshots].reverse(),
      count: 2,
      now: NOW,
    });
    expect(backward).toEqual(forward);
  });
});

describe("groupSnapshotEvents", () => {
  it("a node's second save starts a new event, however close", () => {
    const scheduled = snap("p", "n1", NOW);
    const onDemand = snap("p", "n1", NOW + 60_000);
    expect(groupSnapshotEvents([onDemand, scheduled])).toEqual([[scheduled], [onDemand]]);
  });

  it("saves by different nodes further apart than the window are separate events", () => {
    const first = snap("p", "n1", NOW);
    const late = snap("p", "n2", NOW + SAME_EVENT_WINDOW_MS + 1000);
    const inTime = snap("p", "n3", NOW + SAME_EVENT_WINDOW_MS);
    expect(groupSnapshotEvents([late, inTime, first])).toEqual([[first, inTime], [late]]);
  });
});

describe("retention properties", () => {
  const policies = ["daily", "daily-eu", "weekly"];
  const nodeNames = ["n1", "n2", "eu-n1"];
  const snapshotArb = fc
    .record({
      policy: fc.constantFrom(...policies),
      node: fc.constantFrom(...nodeNames),
      listedNode: fc.option(fc.constant("s3"), { freq: 8 }),
      minutesAgo: fc.integer({ min: 0, max: 20 * 24 * 60 }),
      storage: fc.constantFrom<SnapshotStorage>("local", "s3"),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1e9 })),
      compressed: fc.boolean(),
    })
    .map(({ policy, node, listedNode, minutesAgo, storage, size, compressed }): PolicySnapshot => {
      const takenAt = NOW - minutesAgo * 60_000;
      const name = `${policy}-${node}-${takenAt / 1000}${compressed ? ".zip" : ""}`;
      // The location records which policy really made it, for the properties to check against.
      return { name, node: listedNode ?? node, location: `${storage}://${policy}/${name}`, takenAt, size, storage };
    });
  const inputArb = fc.record({
    policyName: fc.constantFrom(...policies),
    snapshots: fc.array(snapshotArb, { maxLength: 40 }),
    count: fc.integer({ min: 1, max: 6 }),
    maxAgeMs: fc.option(fc.integer({ min: 0, max: 10 * DAY }), { nil: undefined }),
  });

  it("keep and delete partition exactly this policy's snapshots", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep, delete: drop } = selectSnapshotsToDelete({ ...input, now: NOW });
        const ours = input.snapshots.filter((s) => isPolicySnapshot(input.policyName, s));
        expect(keep.filter((s) => drop.includes(s))).toEqual([]);
        expect(new Set([...keep, ...drop])).toEqual(new Set(ours));
        expect(keep.length + drop.length).toBe(ours.length);
      }),
    );
  });

  it("never deletes another policy's snapshot", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { delete: drop } = selectSnapshotsToDelete({ ...input, now: NOW });
        const madeBy = (snapshot: PolicySnapshot): string | undefined =>
          /^[a-z0-9]+:\/\/([^/]+)\//.exec(snapshot.location)?.[1];
        for (const snapshot of drop) expect(madeBy(snapshot)).toBe(input.policyName);
      }),
    );
  });

  it("never deletes the newest successful snapshot", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep } = selectSnapshotsToDelete({ ...input, now: NOW });
        const successes = input.snapshots.filter((s) => isPolicySnapshot(input.policyName, s) && isSuccessful(s));
        const newestTime = Math.max(...successes.map((s) => s.takenAt));
        for (const newest of successes.filter((s) => s.takenAt === newestTime)) expect(keep).toContain(newest);
      }),
    );
  });

  it("keeps at most count events, each whole, none past maxAge but the newest success's", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { keep } = selectSnapshotsToDelete({ ...input, now: NOW });
        const events = groupSnapshotEvents(input.snapshots.filter((s) => isPolicySnapshot(input.policyName, s)));
        const keptEvents = events.filter((event) => event.some((s) => keep.includes(s)));
        expect(keptEvents.length).toBeLessThanOrEqual(input.count);
        for (const event of keptEvents) {
          expect(event.every((s) => keep.includes(s))).toBe(true);
          const youngest = Math.max(...event.map((s) => s.takenAt));
          const holdsNewestSuccess = event.some((s) => isSuccessful(s) && s === keep.find(isSuccessful));
          if (input.maxAgeMs !== undefined && !holdsNewestSuccess)
            expect(NOW - youngest).toBeLessThanOrEqual(input.maxAgeMs);
        }
      }),
    );
  });

  it("does not depend on the order snapshots are listed in", () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffled = [...input.snapshots].sort((a, b) => ((a.takenAt ^ seed) % 7) - ((b.takenAt ^ seed) % 7));
        const a = selectSnapshotsToDelete({ ...input, now: NOW });
        const b = selectSnapshotsToDelete({ ...input, snapshots: shuffled, now: NOW });
        expect(b.keep.map((s) => s.location)).toEqual(a.keep.map((s) => s.location));
        expect(b.delete.map((s) => s.location)).toEqual(a.delete.map((s) => s.location));
      }),
    );
  });
});

describe("selectSnapshotsToDelete: protected names and one-node events", () => {
  it("keeps a protected (last verified) snapshot although newer, unverified ones fill the count", () => {
    const good = snap("p", "n1", NOW - 4 * HOUR, "s3");
    const localOnly = [3, 2, 1].map((h) => snap("p", "n1", NOW - h * HOUR));
    const decision = selectSnapshotsToDelete({
      policyName: "p",
      snapshots: [good, ...localOnly],
      count: 2,
      now: NOW,
      protect: [good.name],
    });
    expect(names(decision.keep)).toEqual([localOnly[2]?.name, good.name]);
  });

  it("with a zero event window, saves on different nodes a minute apart are separate events", () => {
    const saves = [snap("p", "n1", NOW - 3 * 60_000), snap("p", "n2", NOW - 2 * 60_000), snap("p", "n3", NOW - 60_000)];
    expect(
      selectSnapshotsToDelete({ policyName: "p", snapshots: saves, count: 2, now: NOW, sameEventWindowMs: 0 }).delete,
    ).toEqual([saves[0]]);
    // With the AllEtcdNodes window they are one event and all are kept.
    expect(selectSnapshotsToDelete({ policyName: "p", snapshots: saves, count: 2, now: NOW }).delete).toEqual([]);
  });
});
