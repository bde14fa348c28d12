/**
 * What `snapshot now` reads into the policy's status after it set spec.trigger: pure, so each
 * case is a table test. The operator records `status.lastTrigger` when it starts the trigger's run
 * (one run at a time), and folds the run's outcome into lastSuccessfulSnapshot (only once
 * verified, with spec.verify) or lastFailure. Snapshots are told apart by name, not by time, so a
 * clock difference between this machine and the nodes does not matter.
 */
import type { EtcdSnapshotPolicy, SnapshotRecord } from "../api/etcdsnapshotpolicy.ts";
import { formatBytes } from "./status-view.ts";

export type SnapshotOutcome =
  | { state: "waiting"; why: string }
  | { state: "succeeded"; snapshots: SnapshotRecord[]; verified: boolean }
  | { state: "failed"; message: string };

function knownNames(policy: EtcdSnapshotPolicy): Set<string> {
  const status = policy.status;
  return new Set([
    ...(status?.snapshots ?? []).map((snapshot) => snapshot.name),
    ...(status?.lastSuccessfulSnapshot ? [status.lastSuccessfulSnapshot.name] : []),
  ]);
}

export function snapshotOutcome(
  before: EtcdSnapshotPolicy,
  after: EtcdSnapshotPolicy,
  trigger: string,
): SnapshotOutcome {
  const status = after.status;
  if (status?.lastTrigger !== trigger) {
    return {
      state: "waiting",
      why:
        status?.observedGeneration === undefined
          ? "the policy was never reconciled: is the operator running?"
          : "the operator has not started the snapshot yet (another snapshot of this policy may be running)",
    };
  }
  const beforeFailure = before.status?.lastFailure;
  const failure = status.lastFailure;
  if (failure && (failure.time !== beforeFailure?.time || failure.message !== beforeFailure.message)) {
    return { state: "failed", message: failure.message };
  }
  const known = knownNames(before);
  const last = status.lastSuccessfulSnapshot;
  if (last === undefined || known.has(last.name)) {
    return { state: "waiting", why: "the snapshot is being taken and verified" };
  }
  const copies = (status.snapshots ?? []).filter((snapshot) => !known.has(snapshot.name));
  const snapshots = copies.some((snapshot) => snapshot.name === last.name) ? copies : [last, ...copies];
  return { state: "succeeded", snapshots, verified: after.spec.verify !== false };
}

/** The lines printed for a finished run. */
export function describeOutcome(policy: string, outcome: Exclude<SnapshotOutcome, { state: "waiting" }>): string {
  if (outcome.state === "failed") return `etcdsnapshotpolicy/${policy}: the snapshot failed: ${outcome.message}\n`;
  const head = outcome.verified
    ? `etcdsnapshotpolicy/${policy}: snapshot taken and verified`
    : `etcdsnapshotpolicy/${policy}: snapshot taken (not verified: spec.verify is false)`;
  const lines = outcome.snapshots.map((snapshot) => {
    const size = snapshot.size === undefined ? "size unknown" : formatBytes(snapshot.size);
    return `  ${snapshot.name}  node ${snapshot.node}  ${size}  ${snapshot.location ?? "(no location recorded)"}`;
  });
  return `${head}:\n${lines.join("\n")}\n`;
}
