/** Observed state for the pure EtcdSnapshotPolicy functions, built the way the reconciler builds it. */
import type { DecideInput, Decision } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import type { EtcdNodeState } from "../../../../src/controllers/etcdsnapshotpolicy/nodes.ts";
import type { RecordedSnapshot } from "../../../../src/controllers/etcdsnapshotpolicy/records.ts";
import type { RunJob, ObservedRun } from "../../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import type { Status } from "../../../../src/controllers/etcdsnapshotpolicy/status.ts";
import { encodeResult, type SnapshotRecord } from "../../../../src/nodeops/results.ts";

export const MINUTE = 60_000;
export const T0 = Date.parse("2026-03-01T00:00:00Z");

export const MEMBERS: EtcdNodeState[] = [
  { name: "etcd-1", healthy: true, cordoned: false },
  { name: "server-1", healthy: true, cordoned: false },
  { name: "server-2", healthy: true, cordoned: false },
];

export function localCopy(policy: string, node: string, at: number, size = 1000): RecordedSnapshot {
  const name = `${policy}-${node}-${Math.floor(at / 1000)}.zip`;
  return {
    name,
    node,
    location: `file:///var/lib/rancher/rke2/server/db/snapshots/${name}`,
    takenAt: at,
    size,
    storage: "local",
    ready: size > 0,
  };
}

export function s3Copy(policy: string, node: string, at: number, size = 1000): RecordedSnapshot {
  const name = `${policy}-${node}-${Math.floor(at / 1000)}.zip`;
  return { name, node, location: `s3://backups/prod/${name}`, takenAt: at, size, storage: "s3", ready: size > 0 };
}

export function asReported(copy: RecordedSnapshot): SnapshotRecord {
  return {
    name: copy.name,
    node: copy.node,
    location: copy.location,
    size: copy.size || 1,
    createdAt: new Date(copy.takenAt).toISOString(),
  };
}

export function job(
  node: string,
  outcome: RunJob["outcome"],
  times: { created: number; finished?: number },
  processed = false,
): RunJob {
  return {
    name: `snapshot-save-${node}-${times.created}`,
    node,
    processed,
    createdAt: times.created,
    finishedAt: times.finished,
    outcome,
  };
}

export function succeededJob(
  node: string,
  copies: RecordedSnapshot[],
  created: number,
  finished: number,
  processed = false,
): RunJob {
  const message = encodeResult({ ok: true, action: "snapshot-save", snapshots: copies.map(asReported) });
  return job(node, { state: "Succeeded", message }, { created, finished }, processed);
}

export function failedJob(node: string, error: string, created: number, finished: number): RunJob {
  return job(
    node,
    {
      state: "Failed",
      reason: "BackoffLimitExceeded",
      message: encodeResult({ ok: false, action: "snapshot-save", error }),
    },
    { created, finished },
  );
}

export function run(identity: string, jobs: RunJob[]): ObservedRun {
  return {
    identity,
    jobs,
    processed: jobs.every((j) => j.processed),
    startedAt: Math.min(...jobs.map((j) => j.createdAt)),
  };
}

export interface InputOverrides extends Partial<Omit<DecideInput, "policy">> {
  spec?: Record<string, unknown>;
  status?: Status;
  name?: string;
  creationTime?: number;
}

export function input(overrides: InputOverrides = {}): DecideInput {
  const { spec, status, name, creationTime, ...rest } = overrides;
  return {
    policy: {
      name: name ?? "nightly",
      uid: "uid-1",
      generation: 1,
      creationTime: creationTime ?? T0 - 30 * MINUTE,
      spec: { schedule: "0 * * * *", ...spec },
      status: status ?? {},
    },
    now: T0,
    runs: [],
    deletions: [],
    busyNodes: new Set(),
    members: MEMBERS,
    records: [],
    objectChecks: new Map(),
    s3Access: { ok: true },
    ...rest,
  };
}

/** The Ready condition a decision writes. */
export const ready = (d: Decision) => d.status.conditions?.find((c) => c.type === "Ready");
