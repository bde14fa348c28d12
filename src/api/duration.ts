import { z } from "zod";

/** Go-style durations as Kubernetes users write them (`90s`, `1h30m`); no days, as in Go. */
export const DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$";

const durationRegex = new RegExp(DURATION_PATTERN);
const unitMs: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const segment = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/** A Duration field: the same pattern in zod and in the CRD, bounded for CEL cost estimates. */
export function duration(description: string): z.ZodString {
  return z.string().max(32).regex(durationRegex, "must be a duration such as 90s, 10m or 1h30m").describe(description);
}

/** Milliseconds in a Go-style duration; `undefined` when the text is not one. */
export function durationToMs(text: string): number | undefined {
  if (!durationRegex.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(segment)) {
    const [, amount, unit] = match;
    if (amount === undefined || unit === undefined) return undefined;
    total += Number(amount) * (unitMs[unit] ?? Number.NaN);
  }
  // Fractions of a millisecond (`1.5ms`) round to whole ms: timers do not go finer.
  return Math.round(total);
}
