/**
 * GFS retention over a year of snapshots, end to end. The history is the calendar year 2025 as
 * RKE2 records a twice-daily schedule (its default: every 12 hours, at 00:00 and 12:00), 730 local
 * saves of this policy on one etcd node, written as RKE2's ETCDSnapshotFile records. The operator
 * then takes one snapshot on a trigger (now, after all of 2025: it opens a new day, week and month
 * in every tier) and prunes through `etcd-snapshot delete` Jobs on the node. What is left must be
 * exactly the set below, worked out by hand from the calendar, not by the operator's code.
 * The records of 2025 were never checked by the operator: retention counts them as good, as it
 * counts any record the integrity check has not failed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { seedSnapshotHistory, type PastSave } from "../../support/snapshot-history.ts";
import { getPolicy, policy } from "./harness.ts";

const sim = withSim();
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startTestOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
});

const POLICY = "gfs";
const NODE = "etcd-1";
const DAY_MS = 86_400_000;

/** 2025-01-01 00:00 UTC to 2025-12-31 12:00 UTC, every 12 hours. */
function yearOfSaves(): PastSave[] {
  const start = Date.UTC(2025, 0, 1);
  return Array.from({ length: 365 * 2 }, (_, i) => ({ node: NODE, takenAt: start + (i * DAY_MS) / 2 }));
}

/**
 * What retention `count: 3, keepDaily: 7, keepWeekly: 5, keepMonthly: 12` keeps of 2025, besides
 * the triggered snapshot (which is the newest event: one `count` place, and the first day, ISO week
 * and month of each tier). The newest save of a day is its 12:00 one; ISO weeks end on Sunday
 * (2025-12-28, -21, -14 are Sundays; Mon 29 to Wed 31 December belong to 2026-W01).
 */
const KEPT_OF_2025 = [
  // count: the two newest after the triggered one.
  "2025-12-31T12:00:00Z",
  "2025-12-31T00:00:00Z",
  // keepDaily: 6 days after the trigger's: 31 (above), 30, 29, 28, 27, 26 December.
  "2025-12-30T12:00:00Z",
  "2025-12-29T12:00:00Z",
  "2025-12-28T12:00:00Z",
  "2025-12-27T12:00:00Z",
  "2025-12-26T12:00:00Z",
  // keepWeekly: 4 weeks after the trigger's: 2026-W01 (31 Dec, above), 2025-W52 (28 Dec, above), W51, W50.
  "2025-12-21T12:00:00Z",
  "2025-12-14T12:00:00Z",
  // keepMonthly: 11 months after the trigger's: December (31st, above), then each month's last day to February.
  "2025-11-30T12:00:00Z",
  "2025-10-31T12:00:00Z",
  "2025-09-30T12:00:00Z",
  "2025-08-31T12:00:00Z",
  "2025-07-31T12:00:00Z",
  "2025-06-30T12:00:00Z",
  "2025-05-31T12:00:00Z",
  "2025-04-30T12:00:00Z",
  "2025-03-31T12:00:00Z",
  "2025-02-28T12:00:00Z",
];

function nameAt(iso: string): string {
  return `${POLICY}-${NODE}-${Date.parse(iso) / 1000}.zip`;
}

async function policySnapshotNames(): Promise<string[]> {
  const records = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
  return records
    .map((record) => record.spec.snapshotName)
    .filter((name) => name.startsWith(`${POLICY}-`))
    .sort();
}

describe("GFS retention over a simulated year", () => {
  it("keeps exactly the count, daily, weekly and monthly picks of 730 saves, and the newest verified one", async () => {
    expect(Date.now()).toBeGreaterThan(Date.UTC(2026, 0, 5)); // the trigger's day, week and month are after 2025
    const seeded = await seedSnapshotHistory(sim().port, {
      prefix: POLICY,
      saves: yearOfSaves(),
      sizeBytes: 3 * 1024 * 1024,
      compress: true,
    });
    expect(seeded).toHaveLength(730);
    expect(seeded.at(-1)).toBe(nameAt("2025-12-31T12:00:00Z"));

    await sim().port.create(
      etcdSnapshotPolicyResource,
      // The schedule never fires while the test runs: the one new snapshot is the triggered one.
      policy(POLICY, {
        schedule: "0 0 1 1 *",
        retention: { count: 3, keepDaily: 7, keepWeekly: 5, keepMonthly: 12 },
        trigger: "after-a-year",
      }),
    );
    const done = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, POLICY);
        return current?.status?.lastTrigger === "after-a-year" && current.status.lastSuccessfulSnapshot
          ? current
          : undefined;
      },
      { timeoutMs: 60_000, what: "the triggered snapshot" },
    );
    const newest = done.status?.lastSuccessfulSnapshot;
    expect(newest).toMatchObject({ verified: true, name: expect.stringMatching(new RegExp(`^${POLICY}-`)) });
    const expected = [newest?.name ?? "", ...KEPT_OF_2025.map(nameAt)].sort();
    expect(new Set(expected).size).toBe(20);

    const left = await waitFor(
      async () => {
        const names = await policySnapshotNames();
        return names.length <= expected.length ? names : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: "the year pruned to 20 snapshots" },
    );
    expect(left).toEqual(expected);
    const settled = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, POLICY);
        return current?.status?.snapshotCount === expected.length ? current : undefined;
      },
      { timeoutMs: 10_000, what: "status.snapshotCount 20" },
    );
    expect(settled.status?.snapshots?.map((snapshot) => snapshot.name).sort()).toEqual(expected);
    expect(settled.status?.snapshots?.[0]).toMatchObject({ name: newest?.name, verified: true });

    // The next reconciles find nothing more to delete.
    await operatorResync();
    expect(await policySnapshotNames()).toEqual(expected);
  }, 180_000);
});

/** Wakes the operator on the policy (a label change) and gives it time to act on what it sees. */
async function operatorResync(): Promise<void> {
  await sim().port.mergePatch<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, POLICY, {
    metadata: { labels: { resynced: "yes" } },
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
