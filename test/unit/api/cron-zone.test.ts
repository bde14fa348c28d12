import { describe, expect, it } from "@jest/globals";
import { Cron } from "croner";
import fc from "fast-check";
import { CRON_OPTIONS, cronZone, isKnownTimeZone } from "../../../src/api/fields.ts";

// A UTC schedule is read with a zero offset, not croner's Intl time-zone path (which maps ICU's
// zone data into the process): both must give the same slots.
const field = (values: readonly string[]): fc.Arbitrary<string> => fc.constantFrom(...values);
const schedule = fc
  .tuple(
    field(["*", "0", "30", "*/15", "5,35"]),
    field(["*", "0", "2", "*/6", "9-17"]),
    field(["*", "1", "15", "29", "31"]),
    field(["*", "2", "1-6", "*/3"]),
    field(["*", "0", "1-5", "6"]),
  )
  .map((parts) => parts.join(" "));
const instant = fc.integer({ min: Date.parse("2020-01-01T00:00:00Z"), max: Date.parse("2030-12-31T23:59:59Z") });

const times = (dates: Date[]): number[] => dates.map((date) => date.getTime());

describe("cronZone", () => {
  it.each(["UTC", "Etc/UTC"])("reads %s with a zero offset", (name) => {
    expect(cronZone(name)).toEqual({ utcOffset: 0 });
    expect(isKnownTimeZone(name)).toBe(true);
  });

  it("passes any other zone to croner by name", () => {
    expect(cronZone("Europe/Berlin")).toEqual({ timezone: "Europe/Berlin" });
  });

  it("gives the same slots for UTC as croner's Intl time-zone path", () => {
    fc.assert(
      fc.property(schedule, instant, (expression, at) => {
        const byOffset = new Cron(expression, { ...CRON_OPTIONS, ...cronZone("UTC") });
        const byName = new Cron(expression, { ...CRON_OPTIONS, timezone: "UTC" });
        const from = new Date(at);
        expect(times(byOffset.nextRuns(3, from))).toEqual(times(byName.nextRuns(3, from)));
        expect(times(byOffset.previousRuns(3, from))).toEqual(times(byName.previousRuns(3, from)));
      }),
      { numRuns: 300 },
    );
  });
});
