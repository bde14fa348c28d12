/**
 * What a node action Job does to a simulated node, decided purely from the pod and the node's
 * state: the exit code and termination message, and the effects (restart, snapshots, certs).
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import {
  parseCertRotateArgs,
  parseRestoreDrillArgs,
  parseSnapshotDeleteArgs,
  parseSnapshotSaveArgs,
  AGENT_COMMAND,
} from "../../nodeops/agent-args.ts";
import type {
  CertRotateOptions,
  RestoreDrillOptions,
  SnapshotDeleteOptions,
  SnapshotSaveOptions,
} from "../../nodeops/agent-args.ts";
import { encodeResult, type NodeActionResult, type SnapshotRecord } from "../../nodeops/results.ts";
import type { NodeRoles } from "../../rke2/roles.ts";
import { parseRke2Version, compareRke2Versions } from "../../rke2/versions.ts";
import type { EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import { unknownServices } from "./certificates.ts";
import type { NodeFaults } from "./faults.ts";
import type { Pod } from "./kinds.ts";
import { s3UnreachableError, snapshotsForSave } from "./snapshots.ts";

export const ACTION_LABEL = "rke2-lifecycle.io/action";

export type ActionRequest =
  | { action: "upgrade"; version: string }
  | { action: "snapshot-save"; options: SnapshotSaveOptions }
  | { action: "snapshot-delete"; options: SnapshotDeleteOptions }
  | { action: "cert-rotate"; options: CertRotateOptions }
  | { action: "restore-drill"; options: RestoreDrillOptions }
  | { action: "invalid"; error: string };

/** SIMULATED content of a snapshot file: what a restore of it finds. */
export interface SimSnapshotContent {
  corrupt: boolean;
  revision: number;
  keys: number;
}

/** `rancher/rke2-upgrade:v1.31.2-rke2r1` -> `v1.31.2+rke2r1` (image tags cannot hold `+`). */
export function versionFromUpgradeImage(image: string): string | undefined {
  const withoutDigest = image.split("@")[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  if (colon <= lastSlash) return undefined;
  const version = withoutDigest.slice(colon + 1).replace(/-(rke2r\d+)$/, "+$1");
  return parseRke2Version(version) ? version : undefined;
}

/** The argv from `node-agent` on, wherever the image's entrypoint put it (command or args). */
function agentArgv(pod: Pod): string[] {
  const container = pod.spec.containers[0];
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])];
  const start = argv.indexOf(AGENT_COMMAND);
  return start < 0 ? argv : argv.slice(start);
}

export function actionRequestOf(pod: Pod): ActionRequest | undefined {
  const action = pod.metadata.labels?.[ACTION_LABEL];
  if (action === undefined) return undefined;
  const parsed = (() => {
    switch (action) {
      case "upgrade": {
        const image = pod.spec.containers[0]?.image ?? "";
        const version = versionFromUpgradeImage(image);
        return version
          ? { action, version }
          : { action: "invalid" as const, error: `cannot read an RKE2 version from image ${image}` };
      }
      case "snapshot-save": {
        const args = parseSnapshotSaveArgs(agentArgv(pod));
        return args.ok ? { action, options: args.options } : { action: "invalid" as const, error: args.error };
      }
      case "snapshot-delete": {
        const args = parseSnapshotDeleteArgs(agentArgv(pod));
        return args.ok ? { action, options: args.options } : { action: "invalid" as const, error: args.error };
      }
      case "cert-rotate": {
        const args = parseCertRotateArgs(agentArgv(pod));
        return args.ok ? { action, options: args.options } : { action: "invalid" as const, error: args.error };
      }
      case "restore-drill": {
        const args = parseRestoreDrillArgs(agentArgv(pod));
        return args.ok ? { action, options: args.options } : { action: "invalid" as const, error: args.error };
      }
      default:
        return { action: "invalid" as const, error: `unknown node action ${action}` };
    }
  })();
  return parsed;
}

export interface NodeFacts {
  name: string;
  roles: NodeRoles;
  version: string;
  faults: NodeFaults;
  /** Another snapshot save is running on this node. */
  saveInProgress: boolean;
  /** Records of this node's snapshots (local) and of S3, to delete from. */
  snapshotRecords: readonly EtcdSnapshotFile[];
  nowMs: number;
  snapshotSizeBytes: number;
  /** The node's snapshot files (SIMULATED content), by host path. */
  snapshotFiles?: ReadonlyMap<string, SimSnapshotContent>;
}

export interface ActionOutcome {
  exitCode: number;
  /** The termination message; the upgrade image writes none. */
  message?: string;
  /** rke2 restarts; with a version, the new binary. */
  restart?: { version?: string };
  createRecords: EtcdSnapshotFile[];
  deleteRecords: string[];
  /** Services whose certificates the restart renews (empty: all). */
  rotateServices?: string[];
  /** Snapshot files written to the node's disk. */
  writeFiles?: [string, SimSnapshotContent][];
  /** Snapshot files deleted from it, by host path. */
  removeFiles?: string[];
}

const NOTHING = { createRecords: [], deleteRecords: [] };

function failed(action: NodeActionResult["action"] | "upgrade", error: string): ActionOutcome {
  if (action === "upgrade") return { ...NOTHING, exitCode: 1, message: error };
  return { ...NOTHING, exitCode: 1, message: encodeResult({ ok: false, action, error }) };
}

function jobFailure(faults: NodeFaults): string | undefined {
  if (!faults.jobFails) return undefined;
  return typeof faults.jobFails === "string" ? faults.jobFails : "simulated node action failure";
}

export function planAction(request: ActionRequest, node: NodeFacts): ActionOutcome {
  if (request.action === "invalid") return { ...NOTHING, exitCode: 2, message: request.error };
  const injected = jobFailure(node.faults);
  if (injected) return failed(request.action, injected);
  switch (request.action) {
    case "upgrade":
      return planUpgrade(request.version, node);
    case "snapshot-save":
      return planSnapshotSave(request.options, node);
    case "snapshot-delete":
      return planSnapshotDelete(request.options, node);
    case "cert-rotate":
      return planCertRotate(request.options, node);
    case "restore-drill":
      return planRestoreDrill(request.options, node);
  }
}

/**
 * SIMULATED restore drill: the outcome node-agent restore-drill reports for the file's simulated
 * content: a missing file, a corrupt one (the message etcdutl prints when the SHA-256 etcd appends
 * to a snapshot does not match), or the revision and keys it holds.
 */
function planRestoreDrill(options: RestoreDrillOptions, node: NodeFacts): ActionOutcome {
  const snapshot = basename(options.snapshot);
  const fail = (error: string): ActionOutcome => ({
    ...NOTHING,
    exitCode: 1,
    message: encodeResult({ ok: false, action: "restore-drill", snapshot, error }),
  });
  const content = node.snapshotFiles?.get(options.snapshot);
  if (!content) return fail(`snapshot file ${options.snapshot} is not on this node`);
  const digest = createHash("sha256").update(options.snapshot).digest();
  if (content.corrupt) {
    const bytes = (from: number): string => `[${[...digest.subarray(from, from + 8)].join(" ")} ...]`;
    return fail(`restore failed: Error: expected sha256 ${bytes(0)}, got ${bytes(8)}`);
  }
  const result: NodeActionResult = {
    ok: true,
    action: "restore-drill",
    snapshot,
    revision: content.revision,
    keys: content.keys,
    hashKV: digest.readUInt32BE(0),
  };
  return { ...NOTHING, exitCode: 0, message: encodeResult(result) };
}

function planUpgrade(version: string, node: NodeFacts): ActionOutcome {
  const target = parseRke2Version(version);
  const current = parseRke2Version(node.version);
  // The upgrade script compares binaries: the same version means nothing to do and no restart.
  if (target && current && compareRke2Versions(target, current) === 0) return { ...NOTHING, exitCode: 0 };
  if (node.faults.upgradeWithoutRestart) return { ...NOTHING, exitCode: 0 };
  return { ...NOTHING, exitCode: 0, restart: { version } };
}

function planSnapshotSave(options: SnapshotSaveOptions, node: NodeFacts): ActionOutcome {
  if (!node.roles.etcd) return failed("snapshot-save", "etcd datastore disabled");
  if (node.saveInProgress) return failed("snapshot-save", "snapshot save already in progress");
  if (node.faults.snapshotFails) return failed("snapshot-save", "failed to save snapshot: context deadline exceeded");
  const s3Error =
    options.s3 && node.faults.s3Unavailable ? s3UnreachableError(options.s3.bucket, options.s3.endpoint) : undefined;
  const saved = snapshotsForSave(options, {
    node: node.name,
    nowMs: node.nowMs,
    sizeBytes: node.snapshotSizeBytes,
    corrupt: node.faults.snapshotCorrupt,
    ...(s3Error ? { s3Error } : {}),
  });
  const records = saved.map((s) => s.record);
  // The local snapshot exists either way; a failed upload is recorded (readyToUse false) and the action fails.
  if (s3Error) return { ...failed("snapshot-save", s3Error), createRecords: records };
  const snapshots = saved.map((s) => s.result).filter((r): r is SnapshotRecord => r !== undefined);
  // What the file holds (SIMULATED): a revision that grows with time, a plausible key count.
  const content: SimSnapshotContent = {
    corrupt: node.faults.corruptSnapshots,
    revision: Math.floor(node.nowMs / 1000) % 10_000_000,
    keys: 1200,
  };
  const files = snapshots
    .filter((s) => s.location.startsWith("file://"))
    .map((s): [string, SimSnapshotContent] => [s.location.slice("file://".length), content]);
  return {
    exitCode: 0,
    message: encodeResult({ ok: true, action: "snapshot-save", snapshots }),
    createRecords: records,
    deleteRecords: [],
    writeFiles: files,
  };
}

function planSnapshotDelete(options: SnapshotDeleteOptions, node: NodeFacts): ActionOutcome {
  if (!node.roles.etcd) return failed("snapshot-delete", "etcd datastore disabled");
  if (options.s3 && node.faults.s3Unavailable)
    return failed("snapshot-delete", s3UnreachableError(options.s3.bucket, options.s3.endpoint));
  const doomed = node.snapshotRecords.filter(
    (record) =>
      options.names.includes(record.spec.snapshotName) &&
      (record.spec.location.startsWith("s3://") ? options.s3 !== undefined : record.spec.nodeName === node.name),
  );
  // Deleting a name that does not exist is not an error for RKE2; report only what went.
  const deleted = [...new Set(doomed.map((record) => record.spec.snapshotName))];
  const files = doomed.filter((r) => r.spec.location.startsWith("file://"));
  return {
    exitCode: 0,
    message: encodeResult({ ok: true, action: "snapshot-delete", deleted }),
    createRecords: [],
    deleteRecords: doomed.map((r) => r.metadata.name),
    removeFiles: files.map((r) => r.spec.location.slice("file://".length)),
  };
}

function planCertRotate(options: CertRotateOptions, node: NodeFacts): ActionOutcome {
  const unknown = unknownServices(options.services);
  if (unknown.length > 0) return failed("cert-rotate", `${unknown.join(", ")} is not a recognized service`);
  const isServer = node.roles.etcd || node.roles.controlPlane;
  const backupDir = isServer ? `/var/lib/rancher/rke2/server/tls-${Math.floor(node.nowMs / 1000)}` : undefined;
  const result: NodeActionResult = {
    ok: true,
    action: "cert-rotate",
    services: options.services,
    ...(backupDir ? { backupDir } : {}),
  };
  return { ...NOTHING, exitCode: 0, message: encodeResult(result), restart: {}, rotateServices: options.services };
}
