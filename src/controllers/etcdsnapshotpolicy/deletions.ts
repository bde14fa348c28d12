/** How an EtcdSnapshotPolicy counts its finished snapshot-delete (prune) Jobs (part of `decide`). */
import { decodeResult } from "../../nodeops/results.ts";
import type { ObservedRun } from "./runs.ts";
import { EventReasons, type PolicyEvent } from "./status.ts";

/** Counts finished prunes; true while one is still running (new prunes wait for it). */
export function processDeletions(
  deletions: readonly ObservedRun[],
  markProcessed: string[],
  events: PolicyEvent[],
): boolean {
  let inFlight = false;
  for (const run of deletions) {
    for (const job of run.jobs) {
      if (job.processed) continue;
      if (job.outcome.state === "Running") {
        inFlight = true;
        continue;
      }
      markProcessed.push(job.name);
      const decoded = decodeResult(job.outcome.message);
      if (
        job.outcome.state === "Succeeded" &&
        decoded.ok &&
        decoded.result.action === "snapshot-delete" &&
        decoded.result.ok
      ) {
        const deleted = decoded.result.deleted;
        events.push({
          type: "Normal",
          reason: EventReasons.SnapshotsPruned,
          message: `deleted on ${job.node}: ${deleted.length > 0 ? deleted.join(", ") : "nothing left to delete"}`,
        });
      } else {
        const why =
          decoded.ok && !decoded.result.ok
            ? decoded.result.error
            : job.outcome.state === "Failed"
              ? job.outcome.reason
              : decoded.ok
                ? "unexpected result"
                : decoded.message;
        events.push({
          type: "Warning",
          reason: EventReasons.PruneFailed,
          message: `pruning on ${job.node} failed: ${why}`,
        });
      }
    }
  }
  return inFlight;
}
