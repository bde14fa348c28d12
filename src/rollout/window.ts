/**
 * Maintenance windows: pure arithmetic on wall-clock time in an IANA time zone (kured's
 * timewindow is the model). Instants are epoch milliseconds.
 *
 * A window opens on each selected day at `startTime` and closes at `endTime`, the same day or,
 * when `endTime` is not after `startTime`, the next day: a window that crosses midnight belongs
 * to the day it starts on (`fri 22:00-02:00` is open early on Saturday, not early on Friday).
 *
 * Each end is converted to an instant separately, so a window lasts as many real hours as the
 * wall clock shows: `01:00-06:00` is 4 hours on a spring-forward day and 6 on a fall-back day.
 * A wall time in a DST gap means the same time shifted by the gap (02:30 -> 03:30 in Berlin); a
 * wall time that occurs twice means its first occurrence. These are RFC 5545's rules and
 * Temporal's `disambiguation: "compatible"`. So `02:15-02:45` runs 03:15-03:45 that day, and
 * `02:30-03:15` would close before it opens: it is empty that day and does not open.
 */

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

/** Structurally the API's `spec.window` (src/api/common.ts, docs/upgrades.md "What happens, in order"). */
export interface MaintenanceWindow {
  /** Days the window opens on; default every day. */
  days?: readonly Weekday[] | undefined;
  /** HH:MM, 24-hour clock. */
  startTime: string;
  /** HH:MM; not after startTime means the next day. */
  endTime: string;
  /** IANA name; default UTC. */
  timeZone?: string | undefined;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Indexed like Date.getUTCDay(). */
const WEEKDAYS_FROM_SUNDAY: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const CLOCK_TIME = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** Why a window cannot be used, or `undefined` when it can. */
export function validateWindow(window: MaintenanceWindow): string | undefined {
  if (!CLOCK_TIME.test(window.startTime)) return `startTime ${JSON.stringify(window.startTime)} is not HH:MM`;
  if (!CLOCK_TIME.test(window.endTime)) return `endTime ${JSON.stringify(window.endTime)} is not HH:MM`;
  if (window.startTime === window.endTime) return "startTime and endTime must differ";
  const unknownDay = window.days?.find((day) => !WEEKDAYS_FROM_SUNDAY.includes(day));
  if (unknownDay !== undefined) return `unknown day ${JSON.stringify(unknownDay)} (expected mon..sun)`;
  try {
    formatterFor(window.timeZone ?? "UTC");
  } catch {
    return `unknown time zone ${JSON.stringify(window.timeZone)}`;
  }
  return undefined;
}

/**
 * Whether disruptive work may start at `now`. No window means always.
 * Throws on a window {@link validateWindow} rejects.
 */
export function isWindowOpen(window: MaintenanceWindow | undefined, now: number): boolean {
  if (window === undefined) return true;
  const today = localDateAt(now, checked(window).timeZone);
  // An opening ends on the day it starts or the next, so only yesterday's can still be open.
  return [-1, 0].some((offset) => {
    const opening = openingOn(window, addDays(today, offset));
    return opening !== undefined && opening.start <= now && now < opening.end;
  });
}

/**
 * The first instant after `now` at which the window opens (also when it is open now: this is
 * the next opening, not the current one); `undefined` when it never opens (no days selected).
 * Throws on a window {@link validateWindow} rejects.
 */
export function nextWindowStart(window: MaintenanceWindow, now: number): number | undefined {
  const today = localDateAt(now, checked(window).timeZone);
  // Today plus seven more days reaches the same weekday next week, after today's opening passed.
  for (let offset = 0; offset <= 7; offset++) {
    const opening = openingOn(window, addDays(today, offset));
    if (opening !== undefined && opening.start > now) return opening.start;
  }
  return undefined;
}

interface CivilDate {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
}

/** The window's opening that starts on `date` (local), if the window opens that day. */
function openingOn(window: MaintenanceWindow, date: CivilDate): { start: number; end: number } | undefined {
  const weekday = WEEKDAYS_FROM_SUNDAY[new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay()];
  if (weekday === undefined || !(window.days ?? WEEKDAYS_FROM_SUNDAY).includes(weekday)) return undefined;
  const timeZone = window.timeZone ?? "UTC";
  const startMinute = minuteOfDay(window.startTime);
  const endMinute = minuteOfDay(window.endTime);
  const start = instantOfWallTime(date, startMinute, timeZone);
  const end = instantOfWallTime(endMinute > startMinute ? date : addDays(date, 1), endMinute, timeZone);
  return start < end ? { start, end } : undefined;
}

/** The instant a local wall-clock time names, with the gap and overlap rules of the file comment. */
function instantOfWallTime(date: CivilDate, minute: number, timeZone: string): number {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day, 0, minute);
  // A day holds at most one offset change in real zones, so the offsets a day either side of
  // the wall time are the only candidates.
  const offsetBefore = offsetAt(wallAsUtc - DAY, timeZone);
  const offsetAfter = offsetAt(wallAsUtc + DAY, timeZone);
  const matching = [wallAsUtc - offsetBefore, wallAsUtc - offsetAfter].filter(
    (instant) => instant + offsetAt(instant, timeZone) === wallAsUtc,
  );
  if (matching.length > 0) return Math.min(...matching);
  // In a gap: read the wall time with the offset from before the gap, which lands after it.
  return wallAsUtc - offsetBefore;
}

/** How far the zone's wall clock is ahead of UTC at `instant`. */
function offsetAt(instant: number, timeZone: string): number {
  const wholeMinute = Math.floor(instant / MINUTE) * MINUTE;
  const wall = wallClockAt(wholeMinute, timeZone);
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute) - wholeMinute;
}

function localDateAt(instant: number, timeZone: string): CivilDate {
  const { year, month, day } = wallClockAt(instant, timeZone);
  return { year, month, day };
}

function wallClockAt(instant: number, timeZone: string): CivilDate & { hour: number; minute: number } {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute } = parts;
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) {
    throw new Error(`cannot read the wall clock in ${timeZone}`);
  }
  return { year, month, day, hour, minute };
}

// Building a DateTimeFormat is far slower than using one; the cache only ever holds the few
// zones windows name.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function addDays(date: CivilDate, days: number): CivilDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

function minuteOfDay(clockTime: string): number {
  const [hours, minutes] = clockTime.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

function checked(window: MaintenanceWindow): { timeZone: string } {
  const problem = validateWindow(window);
  if (problem !== undefined) throw new Error(`invalid maintenance window: ${problem}`);
  return { timeZone: window.timeZone ?? "UTC" };
}
