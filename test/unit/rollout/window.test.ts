import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  isWindowOpen,
  nextWindowStart,
  validateWindow,
  type MaintenanceWindow,
  type Weekday,
} from "../../../src/rollout/window.ts";

const t = (iso: string): number => Date.parse(iso);

const daily1to6: MaintenanceWindow = { startTime: "01:00", endTime: "06:00" };
const fridayNight: MaintenanceWindow = { days: ["fri"], startTime: "22:00", endTime: "02:00" };
const weekendBerlin: MaintenanceWindow = {
  days: ["sat", "sun"],
  startTime: "01:00",
  endTime: "06:00",
  timeZone: "Europe/Berlin",
};
const berlin = (startTime: string, endTime: string): MaintenanceWindow => ({
  startTime,
  endTime,
  timeZone: "Europe/Berlin",
});
const newYork = (startTime: string, endTime: string, days?: Weekday[]): MaintenanceWindow => ({
  days,
  startTime,
  endTime,
  timeZone: "America/New_York",
});

describe("isWindowOpen", () => {
  it.each<[string, MaintenanceWindow | undefined, string, boolean]>([
    ["no window: always open", undefined, "2025-01-03T12:00:00Z", true],
    ["UTC, before start", daily1to6, "2025-01-03T00:59:59Z", false],
    ["UTC, at start", daily1to6, "2025-01-03T01:00:00Z", true],
    ["UTC, just before end", daily1to6, "2025-01-03T05:59:59.999Z", true],
    ["UTC, at end", daily1to6, "2025-01-03T06:00:00Z", false],
    ["crossing midnight, Friday evening", fridayNight, "2025-01-03T23:00:00Z", true],
    ["crossing midnight, early Saturday belongs to Friday", fridayNight, "2025-01-04T01:59:00Z", true],
    ["crossing midnight, Saturday at end", fridayNight, "2025-01-04T02:00:00Z", false],
    ["crossing midnight, early Friday belongs to Thursday", fridayNight, "2025-01-03T01:00:00Z", false],
    ["crossing midnight, Saturday evening", fridayNight, "2025-01-04T22:30:00Z", false],
    ["weekend in Berlin, Saturday 01:30 CET", weekendBerlin, "2025-01-04T00:30:00Z", true],
    ["weekend in Berlin, Sunday 06:00 CET", weekendBerlin, "2025-01-05T05:00:00Z", false],
    ["weekend in Berlin, Monday 01:30 CET", weekendBerlin, "2025-01-06T00:30:00Z", false],
    ["no days selected", { ...daily1to6, days: [] }, "2025-01-03T03:00:00Z", false],
    // Europe/Berlin springs forward on 2025-03-30 at 02:00 CET (01:00Z) to 03:00 CEST.
    [
      "Berlin spring forward: 01:00-06:00 is 4 hours, still open at 05:59 CEST",
      berlin("01:00", "06:00"),
      "2025-03-30T03:59:00Z",
      true,
    ],
    ["Berlin spring forward: closed at 06:00 CEST", berlin("01:00", "06:00"), "2025-03-30T04:00:00Z", false],
    [
      "Berlin spring forward: a 02:30 start opens at 03:30 CEST, not 03:00",
      berlin("02:30", "04:00"),
      "2025-03-30T01:00:00Z",
      false,
    ],
    ["Berlin spring forward: ... and is open at 03:30 CEST", berlin("02:30", "04:00"), "2025-03-30T01:30:00Z", true],
    [
      "Berlin spring forward: 02:15-02:45 runs 03:15-03:45 CEST",
      berlin("02:15", "02:45"),
      "2025-03-30T01:20:00Z",
      true,
    ],
    [
      "Berlin spring forward: 02:30-03:15 would close before it opens",
      berlin("02:30", "03:15"),
      "2025-03-30T01:20:00Z",
      false,
    ],
    // Europe/Berlin falls back on 2025-10-26 at 03:00 CEST (01:00Z) to 02:00 CET.
    [
      "Berlin fall back: 01:00-06:00 is 6 hours, open at 05:59 CET",
      berlin("01:00", "06:00"),
      "2025-10-26T04:59:00Z",
      true,
    ],
    ["Berlin fall back: closed at 06:00 CET", berlin("01:00", "06:00"), "2025-10-26T05:00:00Z", false],
    ["Berlin fall back: 02:30-03:00 opens at the first 02:30", berlin("02:30", "03:00"), "2025-10-26T00:30:00Z", true],
    ["Berlin fall back: ... and runs through the second 02:45", berlin("02:30", "03:00"), "2025-10-26T01:45:00Z", true],
    // America/New_York springs forward on 2025-03-09 at 02:00 EST (07:00Z),
    // and falls back on 2025-11-02 at 02:00 EDT (06:00Z).
    ["New York spring forward: 01:00-06:00 open at 05:59 EDT", newYork("01:00", "06:00"), "2025-03-09T09:59:00Z", true],
    ["New York spring forward: closed at 06:00 EDT", newYork("01:00", "06:00"), "2025-03-09T10:00:00Z", false],
    [
      "New York fall back: Saturday 22:00-02:00 open at 01:59 EST",
      newYork("22:00", "02:00", ["sat"]),
      "2025-11-02T06:59:00Z",
      true,
    ],
    [
      "New York fall back: Saturday 22:00-02:00 closed at 02:00 EST",
      newYork("22:00", "02:00", ["sat"]),
      "2025-11-02T07:00:00Z",
      false,
    ],
    ["New York fall back: 01:30-01:45 means the first 01:30", newYork("01:30", "01:45"), "2025-11-02T05:40:00Z", true],
    ["New York fall back: not again at the second 01:35", newYork("01:30", "01:45"), "2025-11-02T06:35:00Z", false],
  ])("%s", (_name, window, now, open) => {
    expect(isWindowOpen(window, t(now))).toBe(open);
  });

  it("throws on a window validateWindow rejects", () => {
    expect(() => isWindowOpen({ startTime: "25:00", endTime: "01:00" }, 0)).toThrow(/invalid maintenance window/);
  });
});

describe("nextWindowStart", () => {
  it.each<[string, MaintenanceWindow, string, string | undefined]>([
    ["UTC, later today", daily1to6, "2025-01-03T00:59:00Z", "2025-01-03T01:00:00Z"],
    ["UTC, after today's window", daily1to6, "2025-01-03T06:00:00Z", "2025-01-04T01:00:00Z"],
    ["UTC, while open: the next opening", daily1to6, "2025-01-03T03:00:00Z", "2025-01-04T01:00:00Z"],
    ["crossing midnight: the next Friday", fridayNight, "2025-01-04T02:00:00Z", "2025-01-10T22:00:00Z"],
    ["weekend in Berlin, from Monday", weekendBerlin, "2025-01-06T10:00:00Z", "2025-01-11T00:00:00Z"],
    ["weekend in Berlin, from Sunday after the window", weekendBerlin, "2025-01-05T06:00:00Z", "2025-01-11T00:00:00Z"],
    ["weekend in Berlin, Saturday into summer time", weekendBerlin, "2025-03-24T12:00:00Z", "2025-03-29T00:00:00Z"],
    ["weekend in Berlin, Sunday of the spring forward", weekendBerlin, "2025-03-29T06:00:00Z", "2025-03-30T00:00:00Z"],
    ["weekend in Berlin, the first summer Saturday", weekendBerlin, "2025-03-30T06:00:00Z", "2025-04-04T23:00:00Z"],
    [
      "Berlin spring forward: a 02:30 start in the gap",
      berlin("02:30", "04:00"),
      "2025-03-30T00:00:00Z",
      "2025-03-30T01:30:00Z",
    ],
    [
      "Berlin spring forward: a window inside the gap, shifted",
      berlin("02:15", "02:45"),
      "2025-03-30T00:00:00Z",
      "2025-03-30T01:15:00Z",
    ],
    [
      "Berlin spring forward: an empty window waits for the next day",
      berlin("02:30", "03:15"),
      "2025-03-30T00:00:00Z",
      "2025-03-31T00:30:00Z",
    ],
    [
      "Berlin fall back: 02:30 is its first occurrence",
      berlin("02:30", "03:00"),
      "2025-10-26T00:00:00Z",
      "2025-10-26T00:30:00Z",
    ],
    ["New York spring forward: 01:00 EST", newYork("01:00", "06:00"), "2025-03-09T00:00:00Z", "2025-03-09T06:00:00Z"],
    ["New York fall back: 01:00 EDT", newYork("01:00", "06:00"), "2025-11-02T00:00:00Z", "2025-11-02T05:00:00Z"],
    ["no days selected: never", { ...daily1to6, days: [] }, "2025-01-03T00:00:00Z", undefined],
  ])("%s", (_name, window, now, expected) => {
    expect(nextWindowStart(window, t(now))).toBe(expected === undefined ? undefined : t(expected));
  });
});

describe("validateWindow", () => {
  it("accepts a well-formed window", () => {
    expect(validateWindow(weekendBerlin)).toBeUndefined();
  });

  it.each<[MaintenanceWindow, RegExp]>([
    [{ startTime: "24:00", endTime: "01:00" }, /startTime/],
    [{ startTime: "1:00", endTime: "02:00" }, /startTime/],
    [{ startTime: "01:00", endTime: "01:60" }, /endTime/],
    [{ startTime: "01:00", endTime: "01:00" }, /differ/],
    [{ startTime: "01:00", endTime: "02:00", timeZone: "Mars/Olympus_Mons" }, /time zone/],
    [{ startTime: "01:00", endTime: "02:00", days: ["mon", "xyz" as Weekday] }, /unknown day/],
  ])("rejects %j", (window, message) => {
    expect(validateWindow(window)).toMatch(message);
  });
});

describe("window properties", () => {
  const allDays: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45, 59))
    .map(([h, m]) => `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`);
  // Zones with 1-hour, 30-minute (Lord Howe) and midnight (Santiago) DST changes, and a +05:45 one.
  const zones = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kathmandu",
  ];
  const windowArb = fc
    .record({
      days: fc.subarray(allDays, { minLength: 1 }),
      startTime: clock,
      endTime: clock,
      timeZone: fc.constantFrom(...zones),
    })
    .filter((w) => w.startTime !== w.endTime);
  const dstChanges = [
    "2025-03-30T01:00:00Z", // Berlin
    "2025-10-26T01:00:00Z",
    "2025-03-09T07:00:00Z", // New York
    "2025-11-02T06:00:00Z",
    "2025-04-05T15:00:00Z", // Lord Howe
    "2025-10-04T15:30:00Z",
    "2025-04-06T03:00:00Z", // Santiago
    "2025-09-07T04:00:00Z",
  ].map(t);
  const nowArb = fc.oneof(
    fc.integer({ min: t("2024-01-01T00:00:00Z"), max: t("2027-01-01T00:00:00Z") }),
    fc
      .tuple(fc.constantFrom(...dstChanges), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 }))
      .map(([a, b]) => a + b),
  );

  it("when closed, the next start is later, open, and nothing in between is open", () => {
    fc.assert(
      fc.property(windowArb, nowArb, (window, now) => {
        fc.pre(!isWindowOpen(window, now));
        const next = nextWindowStart(window, now);
        expect(next).toBeDefined();
        if (next === undefined) return;
        expect(next).toBeGreaterThan(now);
        expect(isWindowOpen(window, next)).toBe(true);
        for (let i = 0; i < 16; i++)
          expect(isWindowOpen(window, now + Math.floor(((next - now) * i) / 16))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("in UTC, agrees with plain weekday and minute arithmetic", () => {
    fc.assert(
      fc.property(windowArb, nowArb, (window, now) => {
        const utc = { ...window, timeZone: "UTC" };
        const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
        const [start, end] = [minutes(utc.startTime), minutes(utc.endTime)];
        const date = new Date(now);
        const minute = date.getUTCHours() * 60 + date.getUTCMinutes();
        const today = allDays[(date.getUTCDay() + 6) % 7]!;
        const yesterday = allDays[(date.getUTCDay() + 5) % 7]!;
        const expected =
          start < end
            ? utc.days.includes(today) && start <= minute && minute < end
            : (utc.days.includes(today) && minute >= start) || (utc.days.includes(yesterday) && minute < end);
        expect(isWindowOpen(utc, now)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
