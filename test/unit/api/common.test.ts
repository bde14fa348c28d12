import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  durationToMs,
  LabelSelectorSchema,
  resolveConcurrency,
  WindowSchema,
  concurrency,
  drainSpec,
  HealthGateSchema,
} from "../../../src/api/common.ts";
import { cronProblem, isKnownTimeZone } from "../../../src/api/fields.ts";

describe("durationToMs", () => {
  it.each([
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["10m", 600_000],
    ["720h", 2_592_000_000],
    ["250ms", 250],
    ["1.5h", 5_400_000],
    ["0s", 0],
    ["1h0m10s", 3_610_000],
  ])("%s is %d ms", (text, ms) => {
    expect(durationToMs(text)).toBe(ms);
  });

  it.each(["", "10", "1d", "h", "-1s", "1 h", "1h 30m", "1.h"])("%j is not a duration", (text) => {
    expect(durationToMs(text)).toBeUndefined();
  });
});

describe("resolveConcurrency", () => {
  it.each([
    [1, 10, 1],
    [3, 10, 3],
    [50, 10, 10],
    ["10%", 100, 10],
    ["20%", 12, 2],
    ["10%", 5, 1],
    ["100%", 7, 7],
    ["33%", 10, 3],
    [2, 0, 0],
  ])("%j of %d nodes is %d", (value, total, expected) => {
    expect(resolveConcurrency(value, total)).toBe(expected);
  });

  it("never exceeds the node count and is at least 1 when there are nodes", () => {
    const value = fc.oneof(
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 100 }).map((p) => `${p}%`),
    );
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 10_000 }), (v, total) => {
        const n = resolveConcurrency(v, total);
        return Number.isInteger(n) && n >= 1 && n <= total;
      }),
    );
  });
});

describe("concurrency schema", () => {
  const schema = concurrency("test");
  it.each([1, 5, "10%", "100%", "1%"])("accepts %j", (value) => {
    expect(schema.safeParse(value).success).toBe(true);
  });
  it.each([0, -1, 1.5, "0%", "101%", "10", "ten", true])("rejects %j", (value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});

describe("shared object defaults", () => {
  it("drain defaults follow the tier", () => {
    expect(drainSpec(true, "w").parse(undefined)).toEqual({
      enabled: true,
      timeout: "10m",
      gracePeriodSeconds: -1,
      deleteEmptyDirData: true,
      ignoreDaemonSets: true,
      force: false,
      disableEviction: false,
    });
    expect(drainSpec(false, "cp").parse({}).enabled).toBe(false);
  });

  it("health gate defaults", () => {
    expect(HealthGateSchema.parse(undefined)).toEqual({ timeout: "15m", settle: "30s" });
  });

  it("window defaults to every day in UTC", () => {
    expect(WindowSchema.parse({ startTime: "22:00", endTime: "04:00" })).toEqual({
      days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
      startTime: "22:00",
      endTime: "04:00",
      timeZone: "UTC",
    });
  });

  it.each([
    [{ startTime: "01:00", endTime: "01:00" }, "startTime and endTime must differ"],
    [{ startTime: "1:00", endTime: "02:00" }, "HH:MM"],
    [{ startTime: "24:00", endTime: "02:00" }, "HH:MM"],
    [{ startTime: "01:00", endTime: "02:00", timeZone: "Mars/Olympus" }, "unknown time zone"],
    [{ startTime: "01:00", endTime: "02:00", days: ["monday"] }, "Invalid option"],
  ])("window %j is rejected (%s)", (window, message) => {
    const result = WindowSchema.safeParse(window);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join(" ")).toContain(message);
  });
});

describe("label selector", () => {
  it.each([
    {},
    { matchLabels: { "node-role.kubernetes.io/worker": "true" } },
    { matchExpressions: [{ key: "zone", operator: "In", values: ["a", "b"] }] },
    { matchExpressions: [{ key: "node-role.kubernetes.io/etcd", operator: "DoesNotExist" }] },
  ])("accepts %j", (selector) => {
    expect(LabelSelectorSchema.safeParse(selector).success).toBe(true);
  });

  it.each([
    { matchExpressions: [{ key: "zone", operator: "In" }] },
    { matchExpressions: [{ key: "zone", operator: "Exists", values: ["a"] }] },
    { matchExpressions: [{ key: "zone", operator: "Near", values: ["a"] }] },
    { matchExpressions: [{ key: "bad key!", operator: "Exists" }] },
  ])("rejects %j", (selector) => {
    expect(LabelSelectorSchema.safeParse(selector).success).toBe(false);
  });
});

describe("cron and time zones", () => {
  it.each(["0 */6 * * *", "*/15 * * * *", "0 2 * * sun", "30 1 1 * *"])("%s is a usable schedule", (cron) => {
    expect(cronProblem(cron)).toBeUndefined();
  });
  it.each(["", "bad", "61 * * * *", "* * * *", "0 0 0 * * * *", "0 0 31 2 *"])("%j is not", (cron) => {
    expect(cronProblem(cron)).toEqual(expect.any(String));
  });
  it.each([
    ["UTC", true],
    ["Europe/Berlin", true],
    ["America/New_York", true],
    ["Mars/Olympus", false],
    ["", false],
  ])("time zone %j known: %s", (name, known) => {
    expect(isKnownTimeZone(name)).toBe(known);
  });
});
