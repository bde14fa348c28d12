/**
 * How long things take on a simulated node. Defaults are what a real RKE2 node takes (order of
 * magnitude); `timeScale` compresses all of them so a demo or a test finishes in seconds.
 */
export interface SimDurations {
  /** Bound pod -> Running and Ready. */
  podStartMs: number;
  /** A deleted pod's containers exit after SIGTERM (well within any grace period). */
  podStopMs: number;
  /** With the slowDrain fault: containers ignore SIGTERM, the kubelet waits the grace period (capped here). */
  slowDrainStopMs: number;
  /** rke2 down after SIGTERM until the kubelet reports Ready again. */
  restartMs: number;
  /** The upgrade image copying the binary, before it SIGTERMs rke2. */
  upgradeMs: number;
  /** `rke2 etcd-snapshot save` / `delete`. */
  snapshotMs: number;
  /** Stopping rke2, `rke2 certificate rotate`, before the restart. */
  certRotateMs: number;
  /** Kubelet Lease renewal (and node status refresh). */
  heartbeatMs: number;
  /** The Job controller's first failed-pod backoff. */
  jobBackoffMs: number;
}

export const REAL_DURATIONS: SimDurations = {
  podStartMs: 2_000,
  podStopMs: 1_000,
  slowDrainStopMs: 30_000,
  restartMs: 60_000,
  upgradeMs: 10_000,
  snapshotMs: 5_000,
  certRotateMs: 5_000,
  heartbeatMs: 10_000,
  jobBackoffMs: 10_000,
};

/** Heartbeats below this cost more API traffic than they are worth, whatever the compression. */
export const MIN_HEARTBEAT_MS = 250;

export function scaleDurations(timeScale: number, overrides: Partial<SimDurations> = {}): SimDurations {
  if (!(timeScale > 0)) throw new Error(`timeScale must be > 0, got ${timeScale}`);
  const scaled = Object.fromEntries(
    Object.entries(REAL_DURATIONS).map(([key, ms]) => [key, Math.round(ms * timeScale)]),
  ) as unknown as SimDurations;
  scaled.heartbeatMs = Math.max(MIN_HEARTBEAT_MS, scaled.heartbeatMs);
  return { ...scaled, ...overrides };
}
