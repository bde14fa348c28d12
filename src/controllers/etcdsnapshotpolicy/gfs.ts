/**
 * Grandfather-father-son tiers of retention. Pure. A tier keeps, for each of its `n` most recent
 * periods (UTC day, ISO 8601 week, month) that hold a good snapshot event, the newest good event
 * of that period, as restic's `--keep-daily/weekly/monthly` and borg's `prune` do. The periods are
 * calendar periods in UTC, whatever the schedule's time zone: a day is never split by DST.
 * Because the newest event of a period that has ended never changes, pruning after every save
 * keeps exactly the set one prune at the end would.
 */

export interface GfsTiers {
  daily?: number | undefined;
  weekly?: number | undefined;
  monthly?: number | undefined;
}

const DAY_MS = 86_400_000;

export function dayKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `2025-W01`: the ISO week-numbering year and week (weeks start on Monday; week 1 holds a Thursday). */
export function isoWeekKey(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const weekday = (new Date(day * DAY_MS).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  const thursday = new Date((day - weekday + 3) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

export function monthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/**
 * The events the tiers keep. `events` must be the good ones, newest first; `timeOf` says when an
 * event happened.
 */
export function gfsKeep<E>(events: readonly E[], tiers: GfsTiers, timeOf: (event: E) => number): Set<E> {
  const kept = new Set<E>();
  const tier = (count: number | undefined, period: (ms: number) => string): void => {
    if (!count || count < 1) return;
    const periods = new Set<string>();
    for (const event of events) {
      const key = period(timeOf(event));
      if (periods.has(key)) continue;
      if (periods.size >= count) break;
      periods.add(key);
      kept.add(event);
    }
  };
  tier(tiers.daily, dayKey);
  tier(tiers.weekly, isoWeekKey);
  tier(tiers.monthly, monthKey);
  return kept;
}
