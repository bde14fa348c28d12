/**
 * How often an inventory reporter (the DaemonSet pod, or the simulated one) renews its report:
 * the shortest `checkInterval` of the CertRotations, read from the API at each renewal, so a
 * changed interval takes effect at the next renewal. Between renewals the reporter rescans its
 * files every minute locally and publishes at once when something changed (a rotation), which
 * costs no API call while nothing changes.
 */
import { parseCertRotationSpec, type CertRotation } from "../api/certrotation.ts";
import { durationToMs } from "../api/duration.ts";

/** The CRD's default checkInterval (6h), used while no CertRotation exists. */
export const DEFAULT_REPORT_INTERVAL_MS = 6 * 3_600_000;
/** A floor, so a typo such as `1s` cannot make 5,000 pods write every second. */
export const MIN_REPORT_INTERVAL_MS = 60_000;
/** Local rescans (no API call unless something changed). */
export const DEFAULT_SCAN_INTERVAL_MS = 60_000;

export function reportIntervalMs(certRotations: readonly Pick<CertRotation, "spec">[]): number {
  const intervals = certRotations.flatMap((cr) => {
    const parsed = parseCertRotationSpec(cr.spec ?? {});
    const ms = parsed.ok ? durationToMs(parsed.spec.checkInterval) : undefined;
    return ms === undefined ? [] : [ms];
  });
  const shortest = intervals.length > 0 ? Math.min(...intervals) : DEFAULT_REPORT_INTERVAL_MS;
  return Math.max(MIN_REPORT_INTERVAL_MS, shortest);
}

/**
 * The Lease's validity: two missed renewals plus a minute of slack, so one failed write (an API
 * blip, a pod restart) does not make a node look unreported.
 */
export function leaseDurationSeconds(reportIntervalMs: number): number {
  return Math.ceil((2 * reportIntervalMs) / 1000) + 60;
}
