/**
 * RKE2's ETCDSnapshotFile records as the policy logic sees them. Pure.
 */
import type { SnapshotRecord as StatusSnapshot } from "../../api/etcdsnapshotpolicy.ts";
import { snapshotSizeBytes, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import { toKubeTime } from "../../api/condition.ts";
import type { PolicySnapshot } from "./retention.ts";

export interface RecordedSnapshot extends PolicySnapshot {
  /** RKE2 says it can be restored (readyToUse) and it has a size. */
  ready: boolean;
  /** status.error.message, for a failed save or upload. */
  error?: string;
}

/** The unix seconds RKE2 puts at the end of every snapshot name, in ms. */
function timeFromName(name: string): number | undefined {
  const match = /-([0-9]{9,11})(\.zip)?$/.exec(name);
  return match?.[1] === undefined ? undefined : Number(match[1]) * 1000;
}

export function recordedSnapshot(record: EtcdSnapshotFile): RecordedSnapshot | undefined {
  const { snapshotName, nodeName, location } = record.spec;
  if (!snapshotName || !location) return undefined;
  const parsed = record.status?.creationTime ? Date.parse(record.status.creationTime) : Number.NaN;
  const created = record.metadata.creationTimestamp ? Date.parse(record.metadata.creationTimestamp) : Number.NaN;
  const takenAt = Number.isFinite(parsed)
    ? parsed
    : (timeFromName(snapshotName) ?? (Number.isFinite(created) ? created : 0));
  const bytes = snapshotSizeBytes(record.status?.size) ?? 0;
  const ready = record.status?.readyToUse === true && bytes > 0;
  const error = record.status?.error?.message;
  return {
    name: snapshotName,
    node: nodeName,
    location,
    takenAt,
    size: ready ? bytes : 0,
    storage: location.startsWith("s3://") ? "s3" : "local",
    ready,
    ...(error ? { error } : {}),
  };
}

export function recordedSnapshots(records: readonly EtcdSnapshotFile[]): RecordedSnapshot[] {
  return records.flatMap((record) => recordedSnapshot(record) ?? []);
}

export function toStatusSnapshot(
  snapshot: Pick<PolicySnapshot, "name" | "node" | "location" | "size" | "takenAt" | "integrity">,
): StatusSnapshot {
  const { integrity } = snapshot;
  return {
    name: snapshot.name,
    node: snapshot.node,
    location: snapshot.location,
    size: snapshot.size,
    takenAt: toKubeTime(snapshot.takenAt),
    ...(integrity
      ? { sha256: integrity.sha256, verified: integrity.verified, verifyMessage: integrity.message.slice(0, 512) }
      : {}),
  };
}

/** The copy that best stands for a save: the one off the node (S3) when there is one. */
export function preferredCopy<T extends Pick<PolicySnapshot, "storage" | "takenAt" | "name">>(
  copies: readonly T[],
): T | undefined {
  return [...copies].sort(
    (a, b) =>
      b.takenAt - a.takenAt || (a.storage === b.storage ? (a.name < b.name ? -1 : 1) : a.storage === "s3" ? -1 : 1),
  )[0];
}
