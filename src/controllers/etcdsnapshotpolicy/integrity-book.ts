/**
 * Where the integrity verdicts live: in the policy's own status (status.snapshots[].sha256,
 * verified, verifyMessage), bounded like the list itself. Pure. A verdict is reached once, when
 * the run that saved the copy is evaluated; every later reconcile carries it over from the status
 * it wrote, matched by name and location, onto RKE2's records before retention reads them.
 * (Why not an annotation on the ETCDSnapshotFile: RKE2 owns those records and rewrites them when
 * it reconciles its snapshot list, and the operator would need write access to them.)
 */
import type { SnapshotRecord as StatusSnapshot } from "../../api/etcdsnapshotpolicy.ts";
import type { Integrity } from "./integrity.ts";
import type { PolicySnapshot } from "./retention.ts";

export function carryIntegrity<T extends PolicySnapshot>(
  records: readonly T[],
  fresh: readonly PolicySnapshot[],
  previous: readonly StatusSnapshot[] | undefined,
): T[] {
  return records.map((record) => {
    const integrity = freshVerdict(record, fresh) ?? statusVerdict(record, previous ?? []);
    return integrity ? { ...record, integrity } : record;
  });
}

function freshVerdict(record: PolicySnapshot, fresh: readonly PolicySnapshot[]): Integrity | undefined {
  return fresh.find((copy) => copy.name === record.name && copy.location === record.location)?.integrity;
}

function statusVerdict(record: PolicySnapshot, previous: readonly StatusSnapshot[]): Integrity | undefined {
  const entry = previous.find((e) => e.name === record.name && e.location === record.location);
  if (entry?.verified === undefined || entry.sha256 === undefined) return undefined;
  return { verified: entry.verified, sha256: entry.sha256, message: entry.verifyMessage ?? "" };
}
