/**
 * The node-agent's `snapshot-save` and `snapshot-delete`: run the host's `rke2 etcd-snapshot`
 * with arguments built from the parsed agent argv and turn what it printed into the result the
 * operator reads from the termination message (../results.ts).
 */
import type { S3Target, SnapshotDeleteOptions, SnapshotSaveOptions } from "../agent-args.ts";
import { digestStream, type FileDigest } from "../digest.ts";
import type { SnapshotDeleteResult, SnapshotRecord, SnapshotSaveResult } from "../results.ts";
import {
  findRke2Binary,
  hostPathForCa,
  runRke2,
  RKE2_BINARY_CANDIDATES,
  RKE2_BINARY_ENV,
  type HostContext,
} from "./host.ts";
import {
  deletedSnapshotNames,
  failureMessage,
  isSaveInProgress,
  parseSnapshotList,
  savedSnapshotNames,
  type ListedSnapshot,
} from "./rke2-output.ts";

/** What people read in the Job's log; the result itself goes to the termination message. */
export type AgentLog = (line: string) => void;

/** `etcd-s3-*` spellings: accepted by every RKE2 release that has the etcd-snapshot subcommand. */
export function rke2S3Args(s3: S3Target | undefined, caHostPath: string | undefined): string[] {
  if (!s3) return [];
  const args = ["--etcd-s3", "--etcd-s3-bucket", s3.bucket];
  const valued: [string, string | undefined][] = [
    ["--etcd-s3-endpoint", s3.endpoint],
    ["--etcd-s3-endpoint-ca", caHostPath],
    ["--etcd-s3-region", s3.region],
    ["--etcd-s3-folder", s3.folder],
    ["--etcd-s3-timeout", s3.timeout],
    // Only RKE2 releases from 2025 know this flag; `auto` is what older ones do anyway.
    ["--etcd-s3-bucket-lookup-type", s3.bucketLookupType === "auto" ? undefined : s3.bucketLookupType],
    ["--etcd-s3-proxy", s3.proxy],
    ["--etcd-s3-config-secret", s3.configSecret],
  ];
  for (const [flag, value] of valued) if (value !== undefined && value !== "") args.push(flag, value);
  if (s3.skipSslVerify) args.push("--etcd-s3-skip-ssl-verify");
  if (s3.insecure) args.push("--etcd-s3-insecure");
  return args;
}

export function rke2SaveArgs(options: SnapshotSaveOptions, caHostPath?: string): string[] {
  const args = ["etcd-snapshot", "save", "--name", options.name];
  if (options.compress) args.push("--etcd-snapshot-compress");
  if (options.dir) args.push("--etcd-snapshot-dir", options.dir);
  return [...args, ...rke2S3Args(options.s3, caHostPath)];
}

export function rke2ListArgs(
  options: { dir?: string | undefined; s3?: S3Target | undefined },
  caHostPath?: string,
): string[] {
  const args = ["etcd-snapshot", "ls", "--output", "json"];
  if (options.dir) args.push("--etcd-snapshot-dir", options.dir);
  return [...args, ...rke2S3Args(options.s3, caHostPath)];
}

export function rke2DeleteArgs(options: SnapshotDeleteOptions, caHostPath?: string): string[] {
  const args = ["etcd-snapshot", "delete"];
  if (options.dir) args.push("--etcd-snapshot-dir", options.dir);
  // `--` ends the flags (Go's flag package), so a name can never be read as one.
  return [...args, ...rke2S3Args(options.s3, caHostPath), "--", ...options.names];
}

type Prepared = { ok: true; binary: string; caHostPath: string | undefined } | { ok: false; error: string };

async function prepare(host: HostContext, s3: S3Target | undefined): Promise<Prepared> {
  const binary = await findRke2Binary(host);
  if (binary === undefined) {
    const looked = host.env[RKE2_BINARY_ENV] ?? RKE2_BINARY_CANDIDATES.join(", ");
    return { ok: false, error: `no rke2 binary on this node (looked for ${looked}); is this an RKE2 server?` };
  }
  try {
    const caHostPath = s3?.endpointCa ? await hostPathForCa(host, s3.endpointCa) : undefined;
    return { ok: true, binary, caHostPath };
  } catch (err) {
    return {
      ok: false,
      error: `cannot place the S3 endpoint CA on the host: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

function record(listed: ListedSnapshot, node: string, digest: FileDigest): SnapshotRecord {
  // Older releases record S3 copies under the node name "s3"; the copy was taken here.
  return {
    name: listed.name,
    node: listed.nodeName === "s3" || listed.nodeName === "" ? node : listed.nodeName,
    location: listed.location,
    size: listed.size,
    createdAt: listed.createdAt,
    digest,
  };
}

/** Digests of a `file://` snapshot through the host mount; a message when it cannot be read. */
async function digestOf(host: HostContext, location: string): Promise<FileDigest | string> {
  const path = `${host.hostRoot}${location.slice("file://".length)}`;
  try {
    return await digestStream(host.fs.readChunks(path));
  } catch (err) {
    return `cannot read ${location} to hash it: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export async function snapshotSave(
  host: HostContext,
  options: SnapshotSaveOptions,
  node: string,
  log: AgentLog,
): Promise<SnapshotSaveResult> {
  const fail = (error: string): SnapshotSaveResult => ({ ok: false, action: "snapshot-save", error });
  const prepared = await prepare(host, options.s3);
  if (!prepared.ok) return fail(prepared.error);

  const saved = await runRke2(host, prepared.binary, rke2SaveArgs(options, prepared.caHostPath));
  log(`rke2 etcd-snapshot save exited ${saved.exitCode}`);
  if (saved.exitCode !== 0) {
    const message = failureMessage(saved.stdout, saved.stderr);
    return fail(isSaveInProgress(message) ? `another etcd snapshot save is running on this node: ${message}` : message);
  }
  const names = savedSnapshotNames(`${saved.stdout}\n${saved.stderr}`);
  if (names.length === 0)
    return fail(`rke2 etcd-snapshot save reported no snapshot: ${failureMessage(saved.stdout, saved.stderr)}`);

  const listed = await runRke2(host, prepared.binary, rke2ListArgs(options, prepared.caHostPath));
  if (listed.exitCode !== 0)
    return fail(
      `snapshot ${names.join(", ")} saved, but listing it failed: ${failureMessage(listed.stdout, listed.stderr)}`,
    );
  let entries: ListedSnapshot[];
  try {
    entries = parseSnapshotList(listed.stdout);
  } catch (err) {
    return fail(`snapshot ${names.join(", ")} saved, but ${err instanceof Error ? err.message : String(err)}`);
  }

  const snapshots: SnapshotRecord[] = [];
  for (const name of names) {
    const local = entries.find((entry) => entry.name === name && entry.location.startsWith("file://"));
    if (!local?.ok)
      return fail(`rke2 reported snapshot ${name} saved, but it is not listed on this node's disk with a size`);
    const digest = await digestOf(host, local.location);
    if (typeof digest === "string") return fail(`snapshot ${name} saved, but ${digest}`);
    log(`${name}: ${digest.size} bytes, sha256 ${digest.sha256}`);
    snapshots.push(record(local, node, digest));
    if (!options.s3) continue;
    const remote = entries.find((entry) => entry.name === name && entry.location.startsWith("s3://"));
    if (!remote?.ok) {
      // rke2 exits 0 when only the upload failed; the reason is in the rke2-server log and in
      // the S3 ETCDSnapshotFile's status.error, which the operator reads.
      return fail(
        `snapshot ${name} was saved on the node but not uploaded to S3 bucket ${options.s3.bucket} ` +
          "(see the rke2-server log)",
      );
    }
    snapshots.push(record(remote, node, digest));
  }
  return { ok: true, action: "snapshot-save", snapshots };
}

export async function snapshotDelete(
  host: HostContext,
  options: SnapshotDeleteOptions,
  log: AgentLog,
): Promise<SnapshotDeleteResult> {
  const fail = (error: string): SnapshotDeleteResult => ({ ok: false, action: "snapshot-delete", error });
  const prepared = await prepare(host, options.s3);
  if (!prepared.ok) return fail(prepared.error);
  const result = await runRke2(host, prepared.binary, rke2DeleteArgs(options, prepared.caHostPath));
  log(`rke2 etcd-snapshot delete exited ${result.exitCode}`);
  if (result.exitCode !== 0) return fail(failureMessage(result.stdout, result.stderr));
  const parsed = deletedSnapshotNames(`${result.stdout}\n${result.stderr}`);
  for (const name of parsed?.notFound ?? []) log(`snapshot ${name} was already gone`);
  // Releases before 2024 log no per-snapshot lines; their exit code 0 means all named went.
  return { ok: true, action: "snapshot-delete", deleted: parsed ? parsed.deleted : [...options.names] };
}
