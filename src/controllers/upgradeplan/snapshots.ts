/**
 * The effects of the pre-upgrade snapshot: observe through the policy controller's part
 * (controllers/pre-upgrade-snapshot.ts, wired in controllers/index.ts: this folder does not
 * import the policy controller's), decide (pre-upgrade.ts, pure), start the Job when decided, and
 * report what was done.
 *
 * A failed snapshot is retried with backoff: each retry is a new attempt (a new snapshot Job).
 * The attempt counter lives in memory; after a restart it starts at 0 again and walks past the
 * earlier attempts' Jobs (they still exist and answer "Failed"), one reconcile each.
 */
import { toKubeTime } from "../../api/condition.ts";
import { Backoff, type BackoffPolicy } from "../../runtime/backoff.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { PreUpgradeSnapshotSource } from "../pre-upgrade-snapshot.ts";
import type { SnapshotProgress } from "./preflight.ts";
import { decidePreUpgradeSnapshot, reportPreUpgradeSnapshot } from "./pre-upgrade.ts";

export interface PreUpgradeSnapshotRequest {
  policyName: string | undefined;
  planName: string;
  planUid: string;
  targetVersion: string;
  maxAgeMs?: number;
}

export interface PreUpgradeSnapshots {
  /** Idempotent: call it every reconcile until it answers Verified. */
  ensure(request: PreUpgradeSnapshotRequest): Promise<SnapshotProgress>;
}

/** One attempt at the snapshot: idempotent per attempt number, each attempt its own Job. */
export type TakePreUpgradeSnapshot = (
  request: PreUpgradeSnapshotRequest & { attempt: number },
) => Promise<SnapshotProgress>;

/** One attempt through the policy controller's part: observe, decide, start the Job if decided. */
export function takeFromSource(
  source: PreUpgradeSnapshotSource,
  clock: Clock,
  recheckMs: number,
): TakePreUpgradeSnapshot {
  return async (request) => {
    const observed = await source.observe(request);
    const context = { policyName: request.policyName, maxAgeMs: request.maxAgeMs, now: clock.now(), recheckMs };
    const decision = decidePreUpgradeSnapshot(observed, context);
    const started = decision.kind === "create-job" ? await source.start(request, decision.node) : undefined;
    return reportPreUpgradeSnapshot(decision, started, context);
  };
}

export const SNAPSHOT_RETRY_BACKOFF: BackoffPolicy = {
  initialMs: 30_000,
  maxMs: 600_000,
  factor: 2,
  jitter: 0.1,
  resetAfterMs: 3_600_000,
};

interface Attempts {
  attempt: number;
  backoff: Backoff;
  retryAt: number | undefined;
}

/** Retries a failed snapshot with backoff, each retry a new attempt. */
export function retryingSnapshots(
  take: TakePreUpgradeSnapshot,
  clock: Clock,
  backoff: BackoffPolicy = SNAPSHOT_RETRY_BACKOFF,
): PreUpgradeSnapshots {
  const state = new Map<string, Attempts>();
  return {
    async ensure(request) {
      const key = `${request.planUid}/${request.targetVersion}`;
      let entry = state.get(key);
      if (!entry) {
        entry = { attempt: 0, backoff: new Backoff(clock, backoff), retryAt: undefined };
        state.set(key, entry);
      }
      const now = clock.now();
      if (entry.retryAt !== undefined && now >= entry.retryAt) {
        entry.attempt++;
        entry.retryAt = undefined;
      }
      const result = await take({
        policyName: request.policyName,
        planName: request.planName,
        planUid: request.planUid,
        targetVersion: request.targetVersion,
        attempt: entry.attempt,
        ...(request.maxAgeMs !== undefined ? { maxAgeMs: request.maxAgeMs } : {}),
      });
      if (result.state === "Failed") {
        entry.retryAt ??= now + entry.backoff.next();
        // The retry time, not a countdown: the message stays the same until something happens.
        return {
          ...result,
          message: `${result.message}; retried at ${toKubeTime(entry.retryAt)}`,
          retryInMs: entry.retryAt - now,
        };
      }
      if (result.state === "Verified") state.delete(key);
      return result;
    },
  };
}
