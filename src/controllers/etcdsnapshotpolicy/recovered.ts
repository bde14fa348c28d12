/**
 * A save Job that failed, although RKE2 took the snapshot. Pure.
 *
 * The node-agent makes two CLI calls (`etcd-snapshot save`, then `ls`); each is a request to the
 * rke2 server that the CLI gives up after 2 minutes plus the S3 timeout (k3s
 * `pkg/cli/etcdsnapshot`, `timeout += EtcdS3Timeout`), and the server goes on with the save
 * when the client has gone. A Job killed by its deadline, or a CLI that timed out, therefore
 * says nothing about the snapshot. RKE2's ETCDSnapshotFile records do: when they show the
 * snapshot ready on the node (and in S3, and, with `verify`, the bucket holds the object), the
 * copy counts, whatever the Job said.
 */
import { parseSnapshotSaveArgs } from "../../nodeops/agent-args.ts";
import type { Job } from "../../nodeops/job.ts";
import type { ObjectStat } from "../../storage/s3-store.ts";
import type { RecordedSnapshot } from "./records.ts";
import type { PolicySnapshot } from "./retention.ts";

/** What a save Job asked rke2 for, read back from its argv. */
export interface SaveRequest {
  /** `--name`: RKE2 names the snapshot `<name>-<node>-<unix seconds>[.zip]`. */
  name: string;
  s3: boolean;
}

/** A snapshot whose name carries an earlier time than the Job (clocks differ by a little) is not this Job's. */
const CLOCK_SLACK_MS = 60_000;

export function saveRequestOf(job: Job): SaveRequest | undefined {
  const containers = (job.spec.template.spec as { containers?: { args?: string[] }[] }).containers;
  const parsed = parseSnapshotSaveArgs(containers?.[0]?.args ?? []);
  return parsed.ok ? { name: parsed.options.name, s3: parsed.options.s3 !== undefined } : undefined;
}

/** Failures after which RKE2 may still have finished the save: the Job was killed, or the CLI timed out. */
export function mayHaveCompleted(reason: string, agentError: string | undefined): boolean {
  if (reason === "DeadlineExceeded") return true;
  if (agentError === undefined) return true;
  return /deadline exceeded|timed? ?out|saved, but listing it failed/i.test(agentError);
}

interface RecoveryJob {
  node: string;
  createdAt: number;
  save?: SaveRequest | undefined;
}

export interface RecoveryContext {
  verify: boolean;
  records: readonly RecordedSnapshot[];
  objectChecks: ReadonlyMap<string, ObjectStat | { error: string }>;
}

type RecordedCopies = { local?: RecordedSnapshot; remote?: RecordedSnapshot };

function recordedCopies(job: RecoveryJob, records: readonly RecordedSnapshot[]): RecordedCopies {
  if (job.save === undefined) return {};
  const prefix = `${job.save.name}-${job.node}-`;
  const since = job.createdAt - CLOCK_SLACK_MS;
  const mine = records.filter((r) => r.ready && r.name.startsWith(prefix) && r.takenAt >= since);
  const local = mine.filter((r) => r.storage === "local").sort((a, b) => b.takenAt - a.takenAt)[0];
  if (local === undefined) return {};
  const remote = mine.find((r) => r.storage === "s3" && r.name === local.name);
  return { local, ...(remote ? { remote } : {}) };
}

/** S3 objects to look up so a failed Job's recorded copy can count. */
export function recoveryLocations(job: RecoveryJob, records: readonly RecordedSnapshot[]): string[] {
  if (!job.save?.s3) return [];
  const { remote } = recordedCopies(job, records);
  return remote ? [remote.location] : [];
}

const asPolicySnapshot = (r: RecordedSnapshot): PolicySnapshot => ({
  name: r.name,
  node: r.node,
  location: r.location,
  size: r.size,
  takenAt: r.takenAt,
  storage: r.storage,
});

/**
 * The copies RKE2 recorded for a failed save Job: `snapshots` when they all count, `pending`
 * while the bucket is being checked, undefined when RKE2 recorded nothing usable (yet).
 */
export type Recovery = { snapshots: PolicySnapshot[] } | { pending: string } | undefined;

export function recoveredCopies(job: RecoveryJob, context: RecoveryContext): Recovery {
  const { local, remote } = recordedCopies(job, context.records);
  if (local === undefined) return undefined;
  if (!job.save?.s3) return { snapshots: [asPolicySnapshot(local)] };
  if (remote === undefined) return undefined;
  if (context.verify) {
    const check = context.objectChecks.get(remote.location);
    if (check === undefined || "error" in check) return { pending: `confirming ${remote.location} in the bucket` };
    if (!check.exists || check.size === 0) return undefined;
  }
  return { snapshots: [asPolicySnapshot(local), asPolicySnapshot(remote)] };
}
