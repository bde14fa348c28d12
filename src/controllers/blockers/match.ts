/**
 * Which firing alerts hold an `alerts` blocker, pure: an alert matches when its alertname is one
 * of `names` (if given) and it carries every label of `labels` (if given). One that Alertmanager
 * reports suppressed does not hold. Alertmanager's copy of an alert carries the labels Prometheus
 * sent plus its external labels, so it is the same alert when its labels include all of ours.
 */
import type { Blocker } from "../../api/rollout-gates.ts";
import type { Labels } from "./prometheus.ts";

export type AlertMatcher = NonNullable<Blocker["alerts"]>;

export function alertMatches(alert: Labels, matcher: AlertMatcher): boolean {
  const names = matcher.names ?? [];
  if (names.length > 0 && !names.includes(alert.alertname ?? "")) return false;
  return Object.entries(matcher.labels ?? {}).every(([key, value]) => alert[key] === value);
}

export function isSuppressed(alert: Labels, suppressed: readonly Labels[]): boolean {
  return suppressed.some((other) => Object.entries(alert).every(([key, value]) => other[key] === value));
}

/** The names of the firing alerts that hold the blocker (sorted, each once). */
export function holdingAlerts(
  firing: readonly Labels[],
  suppressed: readonly Labels[],
  matcher: AlertMatcher,
): string[] {
  const holding = firing.filter((alert) => alertMatches(alert, matcher) && !isSuppressed(alert, suppressed));
  return [...new Set(holding.map((alert) => alert.alertname ?? "(no alertname)"))].sort();
}
