/**
 * Where the integrity verdicts live: in the policy's own status, bounded: status.snapshots[]
 * (sha256, verified, verifyMessage) for the retained copies, and status.notVerified for every copy
 * that failed and still exists, retained or not (pruning waits while the newest attempt failed, and
 * a forgotten verdict would make a corrupt copy look good). Pure. A verdict is reached once, when
 * the run that saved the copy is evaluated; every later reconcile carries it over from the status
 * it wrote, matched by name and location, onto RKE2's records before retention reads them.
 * (Why not an annotation on the ETCDSnapshotFile: RKE2 owns those records and rewrites them when
 * it reconciles its snapshot list, and the operator would need write access to them.)
 */
import {
  MAX_NOT_VERIFIED,
  type NotVerifiedSnapshot,
  type SnapshotRecord as StatusSnapshot,
} from "../../api/etcdsnapshotpolicy.ts";
import type { Integrity } from "./integrity.ts";
import type { PolicySnapshot } from "./retention.ts";

export interface PreviousVerdicts {
  snapshots?: readonly StatusSnapshot[] | undefined;
  notVerified?: readonly NotVerifiedSnapshot[] | undefined;
}

export function carryIntegrity<T extends PolicySnapshot>(
  records: readonly T[],
  fresh: readonly PolicySnapshot[],
  previous: PreviousVerdicts,
): T[] {
  return records.map((record) => {
    const integrity =
      freshVerdict(record, fresh) ??
      failedVerdict(record, previous.notVerified ?? []) ??
      statusVerdict(record, previous.snapshots ?? []);
    return integrity ? { ...record, integrity } : record;
  });
}

/** status.notVerified: the copies that failed and still exist, newest first. */
export function notVerifiedList(snapshots: readonly PolicySnapshot[]): NotVerifiedSnapshot[] {
  return snapshots
    .flatMap((snapshot) =>
      snapshot.integrity?.verified === false
        ? [
            {
              snapshot,
              entry: {
                name: snapshot.name,
                location: snapshot.location,
                sha256: snapshot.integrity.sha256,
                message: snapshot.integrity.message.slice(0, 512),
              },
            },
          ]
        : [],
    )
    .sort((a, b) => b.snapshot.takenAt - a.snapshot.takenAt || (a.entry.location < b.entry.location ? -1 : 1))
    .slice(0, MAX_NOT_VERIFIED)
    .map(({ entry }) => entry);
}

function failedVerdict(record: PolicySnapshot, failed: readonly NotVerifiedSnapshot[]): Integrity | undefined {
  const entry = failed.find((e) => e.name === record.name && e.location === record.location);
  return entry ? { verified: false, sha256: entry.sha256 ?? "", message: entry.message } : undefined;
}

function freshVerdict(record: PolicySnapshot, fresh: readonly PolicySnapshot[]): Integrity | undefined {
  return fresh.find((copy) => copy.name === record.name && copy.location === record.location)?.integrity;
}

function statusVerdict(record: PolicySnapshot, previous: readonly StatusSnapshot[]): Integrity | undefined {
  const entry = previous.find((e) => e.name === record.name && e.location === record.location);
  if (entry?.verified === undefined || entry.sha256 === undefined) return undefined;
  return { verified: entry.verified, sha256: entry.sha256, message: entry.verifyMessage ?? "" };
}
