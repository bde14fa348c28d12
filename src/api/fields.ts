import { Cron, type CronOptions } from "croner";
import { z } from "zod";

/** metav1.Time in JSON: an RFC 3339 timestamp (the CRD says `format: date-time`). */
export function timestamp(description: string) {
  return z.iso.datetime({ offset: true }).describe(description);
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The name of another object (Secret, ConfigMap, EtcdSnapshotPolicy, PriorityClass, Node). */
export function objectName(description: string) {
  return z
    .string()
    .min(1)
    .max(253)
    .regex(dnsSubdomain, "must be a lower-case DNS subdomain name")
    .describe(description);
}

/** Free text with an upper bound so CEL cost estimates and status sizes stay small. */
export function boundedString(description: string, max = 253) {
  return z.string().max(max).describe(description);
}

/** The one option set every part of the operator uses to read a `schedule`. */
export const CRON_OPTIONS: CronOptions = { mode: "5-part" };

/**
 * The zone names that mean UTC. croner reads a `timezone` through Intl.DateTimeFormat, whose first
 * use maps ICU's zone data (about 5 MB of RSS, docs/upgrades.md); for UTC a zero offset gives the
 * same slots without it.
 */
const UTC_NAMES: ReadonlySet<string> = new Set(["UTC", "Etc/UTC"]);

/** croner's zone options for a schedule read in `timeZone`. */
export function cronZone(timeZone: string): Pick<CronOptions, "timezone" | "utcOffset"> {
  return UTC_NAMES.has(timeZone) ? { utcOffset: 0 } : { timezone: timeZone };
}

/** Why a 5-field cron expression cannot be used, or `undefined` when it can. */
export function cronProblem(schedule: string, timeZone = "UTC"): string | undefined {
  try {
    const cron = new Cron(schedule, { ...CRON_OPTIONS, ...cronZone(timeZone) });
    // "0 0 31 2 *" parses but never fires: a policy built on it would silently do nothing.
    const next = cron.nextRun();
    cron.stop();
    return next === null ? "never fires" : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function isKnownTimeZone(name: string): boolean {
  if (UTC_NAMES.has(name)) return true;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name; the CRD bounds its length, zod checks that it exists. */
export function timeZone(description: string) {
  return z
    .string()
    .min(1)
    .max(64)
    .refine(isKnownTimeZone, { message: "unknown time zone (expected an IANA name such as Europe/Berlin)" })
    .describe(description);
}

/** A 5-field cron expression; the CRD bounds its length, zod checks that it parses. */
export function cronSchedule(description: string) {
  return z
    .string()
    .min(1)
    .max(128)
    .superRefine((value, ctx) => {
      const problem = cronProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: `invalid cron schedule: ${problem}` });
    })
    .describe(description);
}

/** Changing this string asks for an action once (GitOps-friendly "do it now"). */
export function triggerField(description: string) {
  return boundedString(description, 253).optional();
}
