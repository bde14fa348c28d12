import { describe, expect, it } from "@jest/globals";
import {
  MAX_COUNTED_SKIPPED_SLOTS,
  decideScheduledRun,
  isOverdue,
  snapshotSlotName,
  validateSchedule,
  type ScheduleInput,
} from "../../../../src/controllers/etcdsnapshotpolicy/schedule.ts";

const t = (iso: string): number => Date.parse(iso);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe("validateSchedule", () => {
  it.each([
    ["0 */6 * * *", "UTC"],
    ["30 2 * * *", "Europe/Berlin"],
    ["0 9 * * 1-5", "America/New_York"],
    ["@daily", "UTC"],
    ["0 0 29 2 *", "UTC"],
    ["0 0 ? * 1", "UTC"],
  ])("accepts %j in %s", (cron, timeZone) => {
    expect(validateSchedule(cron, timeZone)).toBeUndefined();
  });

  it.each([
    ["not a cron", "UTC", /five|parts/],
    ["0 * * * * *", "UTC", /5 parts/],
    ["61 * * * *", "UTC", /minute/],
    ["0 0 30 2 *", "UTC", /never fires/],
    ["0 * * * *", "Mars/Olympus_Mons", /unknown time zone/],
  ])("rejects %j in %s", (cron, timeZone, message) => {
    expect(validateSchedule(cron, timeZone)).toMatch(message);
  });
});

describe("decideScheduledRun", () => {
  const every6h: ScheduleInput = {
    schedule: "0 */6 * * *",
    timeZone: "UTC",
    suspend: false,
    startingDeadlineMs: 10 * MINUTE,
    creationTime: t("2025-01-01T00:00:30Z"),
    now: t("2025-01-01T06:05:00Z"),
  };

  it.each<[string, Partial<ScheduleInput>, number | undefined, number]>([
    ["a slot falling exactly on now runs", { now: t("2025-01-01T06:00:00Z") }, t("2025-01-01T06:00:00Z"), 0],
    ["a slot within the deadline runs", {}, t("2025-01-01T06:00:00Z"), 0],
    ["a slot exactly at the deadline runs", { now: t("2025-01-01T06:10:00Z") }, t("2025-01-01T06:00:00Z"), 0],
    ["a slot past the deadline is skipped", { now: t("2025-01-01T06:10:01Z") }, undefined, 1],
    ["the slot already recorded does not run again", { lastScheduleTime: t("2025-01-01T06:00:00Z") }, undefined, 0],
    [
      "only the newest missed slot runs, older ones are skipped",
      { lastScheduleTime: t("2025-01-01T00:00:00Z"), now: t("2025-01-01T12:03:00Z") },
      t("2025-01-01T12:00:00Z"),
      1,
    ],
    [
      "three slots missed beyond the deadline are all skipped",
      { lastScheduleTime: t("2025-01-01T00:00:00Z"), now: t("2025-01-01T18:30:00Z") },
      undefined,
      3,
    ],
    ["a slot before the policy existed does not run", { creationTime: t("2025-01-01T06:02:00Z") }, undefined, 0],
    [
      "nothing due between slots",
      { lastScheduleTime: t("2025-01-01T06:00:00Z"), now: t("2025-01-01T09:00:00Z") },
      undefined,
      0,
    ],
  ])("%s", (_name, overrides, slot, skippedSlots) => {
    const decision = decideScheduledRun({ ...every6h, ...overrides });
    expect(decision.run).toEqual(slot === undefined ? undefined : { slot });
    expect(decision.skippedSlots).toBe(skippedSlots);
  });

  it("reports the next slot and requeues for it", () => {
    const decision = decideScheduledRun(every6h);
    expect(decision.nextScheduleTime).toBe(t("2025-01-01T12:00:00Z"));
    expect(decision.requeueAfterMs).toBe(5 * HOUR + 55 * MINUTE);
  });

  it("is idempotent: recording the slot it ran makes the same call run nothing", () => {
    const first = decideScheduledRun(every6h);
    expect(first.run).toBeDefined();
    const second = decideScheduledRun({ ...every6h, lastScheduleTime: first.run?.slot });
    expect(second.run).toBeUndefined();
    expect(second.nextScheduleTime).toBe(first.nextScheduleTime);
  });

  it("suspended: runs nothing but still reports the next slot", () => {
    const decision = decideScheduledRun({ ...every6h, suspend: true });
    expect(decision).toEqual({
      run: undefined,
      skippedSlots: 0,
      nextScheduleTime: t("2025-01-01T12:00:00Z"),
      requeueAfterMs: 5 * HOUR + 55 * MINUTE,
    });
  });

  it("after months down with a per-minute schedule, runs one slot and caps the skipped count", () => {
    const decision = decideScheduledRun({
      ...every6h,
      schedule: "* * * * *",
      lastScheduleTime: t("2024-06-01T00:00:00Z"),
      now: t("2025-01-01T00:00:30Z"),
    });
    expect(decision.run).toEqual({ slot: t("2025-01-01T00:00:00Z") });
    expect(decision.skippedSlots).toBe(MAX_COUNTED_SKIPPED_SLOTS);
    expect(decision.nextScheduleTime).toBe(t("2025-01-01T00:01:00Z"));
  });

  it("throws on a schedule that validateSchedule rejects", () => {
    expect(() => decideScheduledRun({ ...every6h, schedule: "61 * * * *" })).toThrow(/invalid schedule/);
    expect(() => decideScheduledRun({ ...every6h, timeZone: "Nowhere/Land" })).toThrow(/unknown time zone/);
  });

  describe("DST in Europe/Berlin", () => {
    const berlin = { ...every6h, timeZone: "Europe/Berlin", creationTime: t("2025-01-01T00:00:00Z") };

    it("spring forward: 02:30 does not exist, the daily 02:30 slot runs at 03:00 CEST", () => {
      const decision = decideScheduledRun({
        ...berlin,
        schedule: "30 2 * * *",
        lastScheduleTime: t("2025-03-29T01:30:00Z"), // 02:30 CET the day before
        now: t("2025-03-30T01:05:00Z"), // 03:05 CEST
      });
      expect(decision.run).toEqual({ slot: t("2025-03-30T01:00:00Z") });
      expect(decision.nextScheduleTime).toBe(t("2025-03-31T00:30:00Z")); // 02:30 CEST
    });

    it("spring forward: a half-hourly schedule skips the missing hour without counting it as missed", () => {
      const decision = decideScheduledRun({
        ...berlin,
        schedule: "*/30 * * * *",
        lastScheduleTime: t("2025-03-30T00:30:00Z"), // 01:30 CET
        now: t("2025-03-30T01:00:00Z"), // 03:00 CEST
      });
      expect(decision.run).toEqual({ slot: t("2025-03-30T01:00:00Z") });
      expect(decision.skippedSlots).toBe(0);
    });

    it("fall back: the daily 02:30 slot runs once, not again on the repeated 02:30", () => {
      const decision = decideScheduledRun({
        ...berlin,
        schedule: "30 2 * * *",
        lastScheduleTime: t("2025-10-26T00:30:00Z"), // 02:30 CEST
        now: t("2025-10-26T01:35:00Z"), // 02:35 CET, the second 02:35
      });
      expect(decision.run).toBeUndefined();
      expect(decision.nextScheduleTime).toBe(t("2025-10-27T01:30:00Z")); // 02:30 CET
    });

    it("fall back: a half-hourly schedule has distinct slots for both 02:30s", () => {
      const decision = decideScheduledRun({
        ...berlin,
        schedule: "*/30 * * * *",
        lastScheduleTime: t("2025-10-26T00:30:00Z"), // 02:30 CEST
        now: t("2025-10-26T01:31:00Z"), // 02:31 CET
      });
      expect(decision.run).toEqual({ slot: t("2025-10-26T01:30:00Z") }); // 02:30 CET
      expect(decision.skippedSlots).toBe(1); // 02:00 CET, missed by more than the deadline
    });
  });
});

describe("isOverdue", () => {
  const every6h = { schedule: "0 */6 * * *", timeZone: "UTC", creationTime: t("2025-01-01T00:00:00Z") };

  it.each<[string, boolean, object]>([
    [
      "success after the previous slot",
      false,
      { lastSuccessTime: t("2025-01-01T06:00:30Z"), now: t("2025-01-01T12:30:00Z") },
    ],
    [
      "one slot missed, the next not yet due",
      false,
      { lastSuccessTime: t("2025-01-01T06:00:30Z"), now: t("2025-01-01T17:59:59Z") },
    ],
    ["two slots without success", true, { lastSuccessTime: t("2025-01-01T06:00:30Z"), now: t("2025-01-01T18:00:00Z") }],
    [
      "never succeeded, young policy",
      false,
      { creationTime: t("2025-01-01T10:05:00Z"), now: t("2025-01-01T17:00:00Z") },
    ],
    [
      "never succeeded, two slots since creation",
      true,
      { creationTime: t("2025-01-01T10:05:00Z"), now: t("2025-01-01T18:00:00Z") },
    ],
  ])("every 6h: %s -> overdue %s", (_name, overdue, overrides) => {
    expect(isOverdue({ ...every6h, now: 0, ...overrides })).toBe(overdue);
  });

  it.each([
    ["Sunday after a Friday success", false, t("2025-01-05T12:00:00Z")],
    ["Monday after the Monday slot", false, t("2025-01-06T10:00:00Z")],
    ["Tuesday's slot with Monday missed", true, t("2025-01-07T09:00:00Z")],
  ])("weekdays only: %s -> overdue %s", (_name, overdue, now) => {
    const fridaySuccess = t("2025-01-03T09:00:30Z");
    const weekdays = { schedule: "0 9 * * 1-5", timeZone: "UTC", creationTime: 0, lastSuccessTime: fridaySuccess };
    expect(isOverdue({ ...weekdays, now })).toBe(overdue);
  });
});

describe("snapshotSlotName", () => {
  it("names a slot by its UTC minute", () => {
    expect(snapshotSlotName("every-6h", t("2025-03-30T01:00:00Z"))).toBe("every-6h-202503300100");
  });

  it("tells the two 02:30 slots of a fall-back day apart", () => {
    expect(snapshotSlotName("p", t("2025-10-26T00:30:00Z"))).not.toBe(snapshotSlotName("p", t("2025-10-26T01:30:00Z")));
  });
});
