/**
 * The pre-upgrade snapshot, decided. Pure: `decidePreUpgradeSnapshot` reads what the policy
 * controller's part observed from its caches (controllers/pre-upgrade-snapshot.ts) and says what
 * to do: start the Job, wait, done, or failed; `reportPreUpgradeSnapshot` turns the decision and
 * what starting the Job did into the progress the plan's status shows. The effects (observe,
 * start) are in snapshots.ts, one call each per reconcile.
 *
 * Level-triggered: the plan is reconciled when its snapshot Job or pod, a pre-upgrade record, the
 * policy or an etcd member changes (upgradeplan/index.ts), and this runs each time. Only what no
 * watch shows is re-checked on a timer: a copy being confirmed in the bucket, and a storage
 * check made here that failed (`recheckMs`).
 */
import type { PreUpgradeObservation, SnapshotRef, StartOutcome } from "../pre-upgrade-snapshot.ts";
import type { SnapshotProgress } from "./preflight.ts";

export interface DecideContext {
  /** The policy named in spec.snapshot.policyRef, for messages. */
  policyName: string | undefined;
  /** A policy snapshot younger than this stands in for a fresh one. */
  maxAgeMs: number | undefined;
  now: number;
  /** How soon to look again at what no watch shows (the bucket, a storage check). */
  recheckMs: number;
}

type Waiting = Exclude<SnapshotProgress["state"], "Verified" | "Failed">;

export type PreUpgradeDecision =
  | { kind: "create-job"; node: string }
  | { kind: "wait"; state: Waiting; message: string; recheckInMs?: number }
  | { kind: "done"; snapshot: SnapshotRef; message: string }
  | { kind: "failed"; message: string };

function storageMessage(policyName: string | undefined, problem: string): string {
  return `storage of EtcdSnapshotPolicy ${policyName ?? "(none)"} is unavailable: ${problem}`;
}

export function decidePreUpgradeSnapshot(observed: PreUpgradeObservation, context: DecideContext): PreUpgradeDecision {
  const { policy, run } = observed;
  if (!policy.usable) return { kind: "wait", state: "Blocked", message: policy.message };
  const recent = policy.lastSnapshot;
  if (
    context.maxAgeMs !== undefined &&
    recent !== undefined &&
    context.now - Date.parse(recent.takenAt) <= context.maxAgeMs
  ) {
    return {
      kind: "done",
      snapshot: recent,
      message: `policy snapshot ${recent.name} from ${recent.takenAt} is recent enough`,
    };
  }
  if (run === undefined) {
    if (policy.storageUnavailable !== undefined)
      return {
        kind: "wait",
        state: "StorageUnavailable",
        message: storageMessage(context.policyName, policy.storageUnavailable),
      };
    if (!observed.node.ok)
      return {
        kind: "wait",
        state: "Pending",
        message: `cannot start the pre-upgrade snapshot yet: ${observed.node.reason}`,
      };
    return { kind: "create-job", node: observed.node.name };
  }
  switch (run.state) {
    case "Unreadable":
      return { kind: "wait", state: "Pending", message: run.message };
    case "Running":
      return { kind: "wait", state: "Running", message: `pre-upgrade snapshot running on ${run.nodes.join(", ")}` };
    case "Verifying":
      return {
        kind: "wait",
        state: "Running",
        message: `pre-upgrade snapshot taken, verifying: ${run.message}`,
        recheckInMs: Math.max(0, Math.min(context.recheckMs, run.deadline - context.now)),
      };
    case "Failed":
      return { kind: "failed", message: `pre-upgrade snapshot failed: ${run.message}` };
    case "Succeeded":
      return run.snapshot === undefined
        ? { kind: "failed", message: "the pre-upgrade snapshot reported no copies" }
        : {
            kind: "done",
            snapshot: run.snapshot,
            message: `pre-upgrade snapshot verified: ${run.locations.join(", ")}`,
          };
  }
}

/** The progress of the decision once carried out; `started` is what starting the Job did, if it was asked to. */
export function reportPreUpgradeSnapshot(
  decision: PreUpgradeDecision,
  started: StartOutcome | undefined,
  context: Pick<DecideContext, "policyName" | "recheckMs">,
): SnapshotProgress {
  switch (decision.kind) {
    case "done":
      return { state: "Verified", snapshot: decision.snapshot, message: decision.message };
    case "failed":
      return { state: "Failed", message: decision.message };
    case "wait":
      return {
        state: decision.state,
        message: decision.message,
        ...(decision.recheckInMs !== undefined ? { recheckInMs: decision.recheckInMs } : {}),
      };
    case "create-job":
      if (started === undefined) return { state: "Pending", message: "the pre-upgrade snapshot Job was not started" };
      return started.started
        ? {
            state: "Running",
            message: `pre-upgrade snapshot started on ${decision.node} (Job ${started.job})`,
          }
        : {
            state: "StorageUnavailable",
            message: storageMessage(context.policyName, started.storageProblem),
            // The policy's own check changes its status (a watched event); this one is ours to repeat.
            recheckInMs: context.recheckMs,
          };
  }
}
