/**
 * GFS tiers, the integrity verdict and the pre-upgrade hold in retention: table tests, a year of
 * daily snapshots pruned after every save, and properties of randomized histories pruned after
 * every save (fast-check).
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { dayKey, isoWeekKey, monthKey } from "../../../../src/controllers/etcdsnapshotpolicy/gfs.ts";
import {
  isGood,
  selectSnapshotsToDelete,
  type PolicySnapshot,
  type RetentionInput,
} from "../../../../src/controllers/etcdsnapshotpolicy/retention.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHA = "0".repeat(64);

function snap(prefix: string, takenAt: number, options: { size?: number; corrupt?: boolean } = {}): PolicySnapshot {
  const name = `${prefix}-n1-${Math.floor(takenAt / 1000)}`;
  return {
    name,
    node: "n1",
    location: `file:///var/lib/rancher/rke2/server/db/snapshots/${name}`,
    takenAt,
    size: options.size ?? 1000,
    storage: "local",
    ...(options.corrupt
      ? {
          integrity: { verified: false, sha256: SHA, message: "the file on the node is 500 bytes, RKE2 recorded 1000" },
        }
      : { integrity: { verified: true, sha256: SHA, message: "1000 bytes as recorded" } }),
  };
}

const base = { policyName: "daily", count: 1, sameEventWindowMs: 0 } as const;
const dates = (snapshots: readonly PolicySnapshot[]): string[] =>
  snapshots.map((s) => new Date(s.takenAt).toISOString().slice(0, 10)).sort();

/** Saves one after another, pruning after each as the controller does; returns what is left. */
function pruneAfterEachSave(
  saves: readonly PolicySnapshot[],
  input: Omit<RetentionInput<PolicySnapshot>, "snapshots" | "now">,
  check?: (left: readonly PolicySnapshot[], now: number, history: readonly PolicySnapshot[]) => void,
): PolicySnapshot[] {
  let left: PolicySnapshot[] = [];
  const history: PolicySnapshot[] = [];
  for (const save of saves) {
    history.push(save);
    const now = save.takenAt + 60_000;
    const decision = selectSnapshotsToDelete({ ...input, snapshots: [...left, save], now });
    left = decision.keep;
    check?.(left, now, history);
  }
  return left;
}

describe("GFS periods", () => {
  it.each([
    ["2025-01-01T00:00:00Z", "2025-01-01", "2025-W01", "2025-01"],
    ["2024-12-30T12:00:00Z", "2024-12-30", "2025-W01", "2024-12"],
    ["2021-01-03T23:59:59Z", "2021-01-03", "2020-W53", "2021-01"],
    ["2025-12-28T23:59:59Z", "2025-12-28", "2025-W52", "2025-12"],
    ["2025-12-29T00:00:00Z", "2025-12-29", "2026-W01", "2025-12"],
  ])("%s is day %s, ISO week %s, month %s (UTC)", (time, day, week, month) => {
    const ms = Date.parse(time);
    expect([dayKey(ms), isoWeekKey(ms), monthKey(ms)]).toEqual([day, week, month]);
  });
});

describe("selectSnapshotsToDelete with GFS tiers", () => {
  it("keeps exactly the expected set after a year of daily snapshots, pruned after every save", () => {
    const saves = Array.from({ length: 365 }, (_, day) =>
      snap("daily", Date.parse("2025-01-01T02:00:00Z") + day * DAY),
    );
    const left = pruneAfterEachSave(saves, { ...base, count: 3, gfs: { daily: 7, weekly: 4, monthly: 12 } });
    expect(dates(left)).toEqual([
      // monthly: the last snapshot of each month
      "2025-01-31",
      "2025-02-28",
      "2025-03-31",
      "2025-04-30",
      "2025-05-31",
      "2025-06-30",
      "2025-07-31",
      "2025-08-31",
      "2025-09-30",
      "2025-10-31",
      "2025-11-30",
      // weekly: the Sundays ending ISO weeks 50 and 51 (weeks 52 and 2026-W01 end inside the daily tier)
      "2025-12-14",
      "2025-12-21",
      // daily: the last 7 days (count 3 is inside them; the monthly of December is the 31st)
      "2025-12-25",
      "2025-12-26",
      "2025-12-27",
      "2025-12-28",
      "2025-12-29",
      "2025-12-30",
      "2025-12-31",
    ]);
  });

  it("keeps GFS snapshots beyond maxAge, which only limits the count tier", () => {
    const saves = Array.from({ length: 60 }, (_, day) => snap("daily", Date.parse("2025-01-01T02:00:00Z") + day * DAY));
    const left = pruneAfterEachSave(saves, { ...base, count: 5, maxAgeMs: 2 * DAY, gfs: { monthly: 3 } });
    // 2025-02-27 02:00 is 2 days and a minute old at the last prune: past maxAge, and not a monthly pick.
    expect(dates(left)).toEqual(["2025-01-31", "2025-02-28", "2025-03-01"]);
  });

  it("files a period under its newest GOOD snapshot: a corrupt or failed one never stands for it", () => {
    const day = Date.parse("2025-03-10T00:00:00Z");
    const good = snap("daily", day + HOUR);
    const corrupt = snap("daily", day + 2 * HOUR, { corrupt: true });
    const failed = snap("daily", day + 3 * HOUR, { size: 0 });
    const older = snap("daily", day - DAY);
    const decision = selectSnapshotsToDelete({
      ...base,
      count: 1,
      gfs: { daily: 2 },
      snapshots: [older, good, corrupt, failed],
      now: day + 4 * HOUR,
    });
    expect(dates(decision.keep)).toEqual(["2025-03-09", "2025-03-10"]);
    expect(decision.keep.map((s) => s.name).sort()).toEqual([older.name, good.name].sort());
  });
});

describe("selectSnapshotsToDelete and the integrity verdict", () => {
  it("keeps the last verified snapshot, not the newer one found corrupt, as the newest good one", () => {
    const verified = snap("daily", Date.parse("2025-03-01T00:00:00Z"));
    const corrupt = snap("daily", Date.parse("2025-03-02T00:00:00Z"), { corrupt: true });
    const decision = selectSnapshotsToDelete({
      ...base,
      count: 1,
      maxAgeMs: HOUR,
      snapshots: [verified, corrupt],
      now: Date.parse("2025-04-01T00:00:00Z"),
    });
    expect(decision.keep).toEqual([verified]);
    expect(decision.delete).toEqual([corrupt]);
  });
});

describe("selectSnapshotsToDelete and pre-upgrade snapshots", () => {
  const taken = Date.parse("2025-05-01T00:00:00Z");
  const preUpgrade = snap("pre-upgrade-to-131", taken);
  const other = snap("pre-upgrade-other", taken);
  const decide = (succeededAt: number | undefined, now: number) =>
    selectSnapshotsToDelete({
      ...base,
      snapshots: [preUpgrade, other],
      now,
      preUpgrade: { plans: [{ planName: "to-131", succeededAt }], protectForMs: 7 * DAY },
    });

  it.each([
    ["kept: the plan has not succeeded, a month later", undefined, taken + 30 * DAY, true],
    ["kept: the plan succeeded a day ago", taken + DAY, taken + 2 * DAY, true],
    ["kept: the plan succeeded just under 7 days ago", taken, taken + 7 * DAY - 1, true],
    ["deleted: the plan succeeded 7 days ago", taken, taken + 7 * DAY, false],
  ])("%s", (_, succeededAt, now, kept) => {
    const decision = decide(succeededAt, now);
    expect(decision.keep.includes(preUpgrade)).toBe(kept);
    expect(decision.delete.includes(preUpgrade)).toBe(!kept);
    // Another plan's pre-upgrade snapshot is not this policy's to judge.
    expect([...decision.keep, ...decision.delete]).not.toContain(other);
  });
});

describe("retention properties over randomized histories, pruned after every save", () => {
  const saveArb = fc.record({
    gapMinutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
    outcome: fc.constantFrom("good", "good", "good", "failed", "corrupt"),
  });
  const historyArb = fc.record({
    saves: fc.array(saveArb, { minLength: 1, maxLength: 60 }),
    count: fc.integer({ min: 1, max: 5 }),
    maxAgeMs: fc.option(fc.integer({ min: 0, max: 20 * DAY }), { nil: undefined }),
    daily: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    weekly: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
    monthly: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  });
  const saves = (history: { saves: readonly { gapMinutes: number; outcome: string }[] }): PolicySnapshot[] => {
    let at = Date.parse("2025-01-01T00:00:00Z");
    return history.saves.map(({ gapMinutes, outcome }) => {
      at += gapMinutes * 60_000;
      return snap("daily", at, { size: outcome === "failed" ? 0 : 1000, corrupt: outcome === "corrupt" });
    });
  };

  /** The newest good snapshot of each of the `n` most recent periods that hold one. */
  function tierOf(good: readonly PolicySnapshot[], n: number | undefined, period: (ms: number) => string) {
    const newestFirst = [...good].sort((a, b) => b.takenAt - a.takenAt);
    const chosen = new Map<string, PolicySnapshot>();
    for (const s of newestFirst) {
      const key = period(s.takenAt);
      if (!chosen.has(key) && chosen.size < (n ?? 0)) chosen.set(key, s);
    }
    return [...chosen.values()];
  }

  it("keeps the newest good save and every GFS pick, never a corrupt one; a second prune deletes nothing", () => {
    fc.assert(
      fc.property(historyArb, (h) => {
        const gfs = { daily: h.daily, weekly: h.weekly, monthly: h.monthly };
        const input = { ...base, count: h.count, maxAgeMs: h.maxAgeMs, gfs };
        pruneAfterEachSave(saves(h), input, (left, now, history) => {
          const good = history.filter(isGood);
          const newestGood = good.at(-1);
          if (newestGood) expect(left).toContain(newestGood);
          const picks = [
            ...tierOf(good, h.daily, dayKey),
            ...tierOf(good, h.weekly, isoWeekKey),
            ...tierOf(good, h.monthly, monthKey),
          ];
          for (const pick of picks) expect(left).toContain(pick);
          // Nothing beyond the tiers, count and the newest good one.
          const tiers = (h.daily ?? 0) + (h.weekly ?? 0) + (h.monthly ?? 0);
          expect(left.length).toBeLessThanOrEqual(h.count + tiers + 1);
          // A corrupt save is kept only as "latest news" in the count tier: newer than the newest good one.
          for (const s of left.filter((x) => x.integrity?.verified === false))
            expect(newestGood === undefined || s.takenAt > newestGood.takenAt).toBe(true);
          const again = selectSnapshotsToDelete({ ...input, snapshots: left, now });
          expect(again.delete).toEqual([]);
        });
      }),
      { numRuns: 150 },
    );
  });
});
