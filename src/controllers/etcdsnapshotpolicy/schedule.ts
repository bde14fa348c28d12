/**
 * When an EtcdSnapshotPolicy takes its scheduled snapshots: pure functions of the spec, the
 * recorded status times and `now` (all instants in epoch milliseconds).
 *
 * Semantics follow Kubernetes CronJob: a missed slot older than `startingDeadline` is skipped,
 * never run late, and one call starts at most one run (the most recent due slot), however long
 * the operator was down. Cron arithmetic, including DST, is croner's: in a DST gap a fixed-time
 * schedule (`30 2 * * *`) runs at the first valid time after the gap, a repeated wall time runs
 * once; interval schedules (`*\/30 * * * *`) skip wall times in a gap and run on both occurrences
 * of a repeated one. Slots are instants, so both occurrences stay distinct slots.
 */
import { Cron, type CronOptions } from "croner";
import { cronZone } from "../../api/fields.ts";

/**
 * 5 fields only (no seconds or years); day-of-month OR day-of-week when both are restricted,
 * as in Vixie cron and Kubernetes CronJob.
 */
const CRON_OPTIONS: CronOptions = { mode: "5-part", domAndDow: false };

/** CronJob gives up counting after 100 missed start times; counting further is wasted work. */
export const MAX_COUNTED_SKIPPED_SLOTS = 100;

/** Why a schedule cannot be used, or `undefined` when it can. */
export function validateSchedule(cron: string, timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
  } catch {
    return `unknown time zone ${JSON.stringify(timeZone)}`;
  }
  try {
    // Weekday and calendar patterns repeat within 28 years, so searching from a fixed instant
    // (not the wall clock: this stays pure) finds a run whenever the pattern has one.
    if (cronFor(cron, timeZone).nextRun(new Date(0)) === null) return "the schedule never fires";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

export interface ScheduleInput {
  schedule: string;
  timeZone: string;
  suspend: boolean;
  /** spec.startingDeadline in milliseconds. */
  startingDeadlineMs: number;
  /** status.lastScheduleTime: the newest slot a run was started for. */
  lastScheduleTime?: number | undefined;
  /** metadata.creationTimestamp of the policy. */
  creationTime: number;
  now: number;
}

export interface ScheduleDecision {
  /** The slot to snapshot now, if any. */
  run: { slot: number } | undefined;
  /**
   * Due slots not run because they were missed by more than startingDeadline (at most
   * {@link MAX_COUNTED_SKIPPED_SLOTS}).
   */
  skippedSlots: number;
  /** The first slot after `now` (status.nextScheduleTime); undefined when the schedule never fires again. */
  nextScheduleTime: number | undefined;
  /** When to look again: at the next slot; undefined when there is none. */
  requeueAfterMs: number | undefined;
}

/**
 * Which slot, if any, to snapshot now.
 *
 * `lastScheduleTime` is the idempotency key: the caller writes the slot to status.lastScheduleTime
 * BEFORE starting the snapshot. Only slots strictly after it are considered, so an operator that
 * restarts mid-snapshot, or reconciles twice, never runs the same slot again.
 *
 * Skipped slots do not advance lastScheduleTime; they are older than the deadline and stay
 * skipped, so a caller reporting them will see the same ones again until the next run.
 *
 * Throws when the schedule or time zone is invalid: validate with {@link validateSchedule} first.
 */
export function decideScheduledRun(input: ScheduleInput): ScheduleDecision {
  const cron = checkedCronFor(input.schedule, input.timeZone);
  const nextScheduleTime = cron.nextRun(new Date(input.now))?.getTime();
  const requeueAfterMs = nextScheduleTime === undefined ? undefined : nextScheduleTime - input.now;
  if (input.suspend) return { run: undefined, skippedSlots: 0, nextScheduleTime, requeueAfterMs };

  const earliest = input.lastScheduleTime ?? input.creationTime;
  const mostRecent = mostRecentSlotAtOrBefore(cron, input.now);
  if (mostRecent === undefined || mostRecent <= earliest) {
    return { run: undefined, skippedSlots: 0, nextScheduleTime, requeueAfterMs };
  }

  const onTime = input.now - mostRecent <= input.startingDeadlineMs;
  // Only the slots between earliest and mostRecent are walked, and at most a bounded number of
  // them: an operator down for months does not iterate over every minute it missed.
  const olderMissed = countSlotsBetween(cron, earliest, mostRecent, MAX_COUNTED_SKIPPED_SLOTS);
  const skippedSlots = Math.min(olderMissed + (onTime ? 0 : 1), MAX_COUNTED_SKIPPED_SLOTS);
  return { run: onTime ? { slot: mostRecent } : undefined, skippedSlots, nextScheduleTime, requeueAfterMs };
}

export interface OverdueInput {
  /** takenAt of status.lastSuccessfulSnapshot. */
  lastSuccessTime?: number | undefined;
  schedule: string;
  timeZone: string;
  creationTime: number;
  now: number;
}

/**
 * The `SnapshotOverdue` condition: no success within the last two schedule intervals, i.e. since
 * the second most recent slot. Counting slots rather than a fixed duration keeps irregular
 * schedules honest: a weekday-only schedule is not overdue over the weekend.
 * A policy younger than two slots is measured from its creation. The caller ignores it while
 * the policy is suspended.
 */
export function isOverdue(input: OverdueInput): boolean {
  const cron = checkedCronFor(input.schedule, input.timeZone);
  const [, secondMostRecent] = cron.previousRuns(2, new Date(input.now + 1));
  if (secondMostRecent === undefined) return false;
  const successOrCreation = input.lastSuccessTime ?? input.creationTime;
  return successOrCreation < secondMostRecent.getTime();
}

/**
 * A deterministic name part for one slot, `<policy>-<yyyymmddhhmm in UTC>`, for Job names and
 * labels so a retried reconcile finds the Job it already created. It must not be given to RKE2
 * as the snapshot `--name`: retention recognises a policy's files by the name being exactly the
 * policy name (see retention.ts).
 */
export function snapshotSlotName(policyName: string, slot: number): string {
  const iso = new Date(slot).toISOString(); // 2025-03-30T01:00:00.000Z
  const date = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  return `${policyName}-${date}${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

function cronFor(schedule: string, timeZone: string): Cron {
  // Without a callback croner schedules nothing: the object is only a calculator. Given a
  // reference date, its answers do not depend on the wall clock.
  return new Cron(schedule, { ...CRON_OPTIONS, ...cronZone(timeZone) });
}

function checkedCronFor(schedule: string, timeZone: string): Cron {
  const problem = validateSchedule(schedule, timeZone);
  if (problem !== undefined) throw new Error(`invalid schedule ${JSON.stringify(schedule)} in ${timeZone}: ${problem}`);
  return cronFor(schedule, timeZone);
}

function mostRecentSlotAtOrBefore(cron: Cron, now: number): number | undefined {
  // previousRuns excludes a run exactly at the reference; slots are whole seconds, so +1 ms
  // includes a slot that falls exactly on `now`.
  return cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
}

/** Slots strictly between `after` and `before`, counting no further than `limit`. */
function countSlotsBetween(cron: Cron, after: number, before: number, limit: number): number {
  let count = 0;
  let cursor = cron.nextRun(new Date(after));
  while (cursor !== null && cursor.getTime() < before && count < limit) {
    count++;
    cursor = cron.nextRun(cursor);
  }
  return count;
}
