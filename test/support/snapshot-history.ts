/**
 * Snapshot history written as RKE2 would have recorded it, on either lane: one ETCDSnapshotFile
 * per local save, named and placed as the simulated RKE2 node names and places its own
 * (src/sim/cluster/snapshots.ts), its status written through the status subresource as RKE2 does.
 * Only the records: `rke2 etcd-snapshot delete` (the sim's node-agent) removes a record whether or
 * not the node holds the file, as RKE2 does for a name it finds in its records.
 */
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../src/api/etcdsnapshotfile.ts";
import type { KubePort } from "../../src/runtime/kube/port.ts";
import { rfc3339 } from "../../src/sim/cluster/kinds.ts";
import { DEFAULT_SNAPSHOT_DIR, localSnapshotRecord, snapshotFileName } from "../../src/sim/cluster/snapshots.ts";

export interface PastSave {
  node: string;
  takenAt: number;
}

export interface SnapshotHistory {
  /** RKE2's `--name`: a policy's name for its snapshots. */
  prefix: string;
  saves: readonly PastSave[];
  sizeBytes: number;
  compress: boolean;
}

/** Requests in flight at once: a year of records is written in seconds without flooding the server. */
const PARALLEL_WRITES = 8;

/** Writes the records; returns the snapshot names in the order of `saves`. */
export async function seedSnapshotHistory(port: KubePort, history: SnapshotHistory): Promise<string[]> {
  const records = history.saves.map((save) => {
    const file = snapshotFileName(history.prefix, save.node, save.takenAt, history.compress);
    return localSnapshotRecord({
      file,
      node: save.node,
      location: `file://${DEFAULT_SNAPSHOT_DIR}/${file}`,
      sizeBytes: history.sizeBytes,
      created: rfc3339(save.takenAt),
    });
  });
  for (let start = 0; start < records.length; start += PARALLEL_WRITES)
    await Promise.all(records.slice(start, start + PARALLEL_WRITES).map((record) => writeRecord(port, record)));
  return records.map((record) => record.spec.snapshotName);
}

async function writeRecord(port: KubePort, record: EtcdSnapshotFile): Promise<void> {
  const { status, ...withoutStatus } = record;
  await port.create(etcdSnapshotFileResource, withoutStatus);
  if (status) await port.patchStatus(etcdSnapshotFileResource, record.metadata.name, status);
}
