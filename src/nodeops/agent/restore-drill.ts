/**
 * The node-agent's `restore-drill`: proves a snapshot file restores, without touching the live
 * etcd. On the node that holds the file, in a scratch folder of the Job's own (an emptyDir, never
 * a host path):
 *
 * 1. unzip it when RKE2 compressed it;
 * 2. `etcdutl snapshot status -w json`: the snapshot's hash, revision and key count;
 * 3. `etcdutl snapshot restore` into the scratch folder: this checks the SHA-256 etcd appends to
 *    every snapshot ("expected sha256 …, got …" on a corrupt file) and rebuilds a one-member
 *    data dir;
 * 4. a throwaway `etcd` on that data dir, on loopback ports of the Job's own network namespace,
 *    and `etcdctl` against it: healthy, the revision it serves (not below the snapshot's), the
 *    number of keys, `/registry/namespaces/kube-system` present, `endpoint hashkv`;
 * 5. stop that etcd and delete the scratch folder, whatever happened.
 *
 * Every tool runs under `nice -n 19 ionice -c 2 -n 7`. The tools are etcd's own, shipped in the
 * node-agent image (docs/restore.md says why not from RKE2's hardened-etcd image: it has no
 * etcdutl). Where no etcdutl is found, `etcdctl snapshot status|restore` (etcd 3.4 and 3.5) does
 * steps 2 and 3.
 */
import { basename } from "node:path";
import type { RestoreDrillOptions } from "../agent-args.ts";
import type { RestoreDrillResult } from "../results.ts";
import {
  etcdToolError,
  parseEndpointStatus,
  parseHashKv,
  parseHealthy,
  parseRangeCount,
  parseSnapshotStatus,
} from "./etcd-output.ts";
import type { CommandResult, HostContext } from "./host.ts";
import type { AgentLog } from "./snapshot.ts";

/** Lowest CPU priority, lowest best-effort I/O priority. */
export const LOW_PRIORITY = ["nice", "-n", "19", "ionice", "-c", "2", "-n", "7"] as const;

/** Env vars naming the tools; else the first of TOOL_DIRS that has them. */
export const ETCD_TOOL_ENV = { etcdutl: "ETCDUTL_BIN", etcd: "ETCD_BIN", etcdctl: "ETCDCTL_BIN" } as const;
export const TOOL_DIRS = ["/usr/local/bin", "/usr/bin"] as const;

export const WELL_KNOWN_KEY = "/registry/namespaces/kube-system";
const HEALTH_ATTEMPTS = 30;
const HEALTH_INTERVAL_MS = 1000;

export interface BackgroundProcess {
  /** Ends it (SIGTERM) and returns what it printed. */
  stop(): Promise<CommandResult>;
}

/** What the drill needs beyond running commands; injected so it is unit tested without a host. */
export interface DrillHost {
  start(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BackgroundProcess;
  /** Size in bytes, undefined when there is no such file. */
  fileSize(path: string): Promise<number | undefined>;
  /** A new empty folder inside `parent`. */
  makeScratch(parent: string): Promise<string>;
  removeScratch(dir: string): Promise<void>;
  /** Extracts the archive's one entry to `to`. */
  unzipSingle(zip: string, to: string): Promise<void>;
  sleep(ms: number): Promise<void>;
}

interface EtcdTools {
  etcd: string;
  etcdctl: string;
  /** `etcdutl snapshot` or `etcdctl snapshot`. */
  snapshot: string[];
}

async function findTool(host: HostContext, name: keyof typeof ETCD_TOOL_ENV): Promise<string | undefined> {
  const configured = host.env[ETCD_TOOL_ENV[name]];
  for (const candidate of configured ? [configured] : TOOL_DIRS.map((dir) => `${dir}/${name}`)) {
    if (await host.fs.exists(candidate)) return candidate;
  }
  return undefined;
}

async function findTools(host: HostContext): Promise<EtcdTools | string> {
  const [etcdutl, etcd, etcdctl] = await Promise.all([
    findTool(host, "etcdutl"),
    findTool(host, "etcd"),
    findTool(host, "etcdctl"),
  ]);
  const missing = [...(etcd ? [] : ["etcd"]), ...(etcdctl ? [] : ["etcdctl"])];
  if (etcd === undefined || etcdctl === undefined)
    return (
      `no ${missing.join(" and ")} in this image (looked in ${TOOL_DIRS.join(", ")}; ` +
      `set ${missing.map((m) => ETCD_TOOL_ENV[m as "etcd"]).join(", ")})`
    );
  return { etcd, etcdctl, snapshot: etcdutl ? [etcdutl, "snapshot"] : [etcdctl, "snapshot"] };
}

function memberFlags(options: RestoreDrillOptions): string[] {
  const peer = `http://127.0.0.1:${options.peerPort}`;
  return ["--name", "drill", "--initial-cluster", `drill=${peer}`, "--initial-advertise-peer-urls", peer];
}

function serverArgs(tools: EtcdTools, dataDir: string, options: RestoreDrillOptions): string[] {
  const client = `http://127.0.0.1:${options.clientPort}`;
  return [
    tools.etcd,
    "--data-dir",
    dataDir,
    ...memberFlags(options),
    "--listen-peer-urls",
    `http://127.0.0.1:${options.peerPort}`,
    "--listen-client-urls",
    client,
    "--advertise-client-urls",
    client,
    "--log-level",
    "error",
  ];
}

export async function restoreDrill(
  host: HostContext,
  drill: DrillHost,
  options: RestoreDrillOptions,
  log: AgentLog,
): Promise<RestoreDrillResult> {
  const snapshot = basename(options.snapshot);
  const fail = (error: string): RestoreDrillResult => ({ ok: false, action: "restore-drill", snapshot, error });
  if (options.scratch === host.hostRoot || options.scratch.startsWith(`${host.hostRoot}/`)) {
    return fail(`--scratch ${options.scratch} is on the host's filesystem; the drill only works in its own folder`);
  }
  const source = `${host.hostRoot}${options.snapshot}`;
  const size = await drill.fileSize(source);
  if (size === undefined) return fail(`snapshot file ${options.snapshot} is not on this node`);
  if (size === 0) return fail(`snapshot file ${options.snapshot} is empty`);
  const tools = await findTools(host);
  if (typeof tools === "string") return fail(tools);

  const run = (argv: string[]): Promise<CommandResult> => host.runner.run([...LOW_PRIORITY, ...argv], host.env);
  const ctl = (...args: string[]): Promise<CommandResult> =>
    run([tools.etcdctl, "--endpoints", `http://127.0.0.1:${options.clientPort}`, ...args, "-w", "json"]);
  const scratch = await drill.makeScratch(options.scratch);
  let server: BackgroundProcess | undefined;
  try {
    let db = source;
    if (snapshot.endsWith(".zip")) {
      db = `${scratch}/snapshot.db`;
      try {
        await drill.unzipSingle(source, db);
      } catch (err) {
        return fail(`cannot unzip ${options.snapshot}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const statusRun = await run([...tools.snapshot, "status", db, "-w", "json"]);
    if (statusRun.exitCode !== 0) return fail(`snapshot status: ${etcdToolError(statusRun.stdout, statusRun.stderr)}`);
    const status = parseSnapshotStatus(statusRun.stdout);
    if (!status.ok) return fail(status.error);
    log(`snapshot ${snapshot}: revision ${status.value.revision}, ${status.value.totalKey} keys with history`);

    const dataDir = `${scratch}/data`;
    const restored = await run([...tools.snapshot, "restore", db, "--data-dir", dataDir, ...memberFlags(options)]);
    if (restored.exitCode !== 0) return fail(`restore failed: ${etcdToolError(restored.stdout, restored.stderr)}`);
    log(`restored into ${dataDir}; starting a throwaway etcd on 127.0.0.1:${options.clientPort}`);

    server = drill.start([...LOW_PRIORITY, ...serverArgs(tools, dataDir, options)], host.env);
    let healthy = false;
    for (let attempt = 0; attempt < HEALTH_ATTEMPTS && !healthy; attempt++) {
      if (attempt > 0) await drill.sleep(HEALTH_INTERVAL_MS);
      healthy = parseHealthy((await ctl("endpoint", "health")).stdout);
    }
    if (!healthy) {
      const printed = await server.stop();
      server = undefined;
      return fail(`the restored member did not become healthy: ${etcdToolError(printed.stdout, printed.stderr)}`);
    }
    return await inspect(ctl, snapshot, status.value.revision, fail);
  } finally {
    if (server) await server.stop();
    await drill.removeScratch(scratch);
    log(`removed ${scratch}`);
  }
}

async function inspect(
  ctl: (...args: string[]) => Promise<CommandResult>,
  snapshot: string,
  snapshotRevision: number,
  fail: (error: string) => RestoreDrillResult,
): Promise<RestoreDrillResult> {
  const read = async <T>(
    what: string,
    args: string[],
    parse: (text: string) => { ok: true; value: T } | { ok: false; error: string },
  ): Promise<T | string> => {
    const result = await ctl(...args);
    if (result.exitCode !== 0) return `${what}: ${etcdToolError(result.stdout, result.stderr)}`;
    const parsed = parse(result.stdout);
    return parsed.ok ? parsed.value : parsed.error;
  };
  const status = await read("endpoint status", ["endpoint", "status"], parseEndpointStatus);
  if (typeof status === "string") return fail(status);
  if (status.revision < snapshotRevision)
    return fail(`the restored member serves revision ${status.revision}, the snapshot holds ${snapshotRevision}`);
  const keys = await read("count keys", ["get", "", "--prefix", "--keys-only", "--limit", "1"], parseRangeCount);
  if (typeof keys === "string") return fail(keys);
  const wellKnown = await read(`get ${WELL_KNOWN_KEY}`, ["get", WELL_KNOWN_KEY, "--keys-only"], parseRangeCount);
  if (typeof wellKnown === "string") return fail(wellKnown);
  if (wellKnown !== 1) return fail(`${WELL_KNOWN_KEY} is not in the snapshot: not a Kubernetes datastore, or empty`);
  const hashKV = await read("endpoint hashkv", ["endpoint", "hashkv"], parseHashKv);
  if (typeof hashKV === "string") return fail(hashKV);
  return { ok: true, action: "restore-drill", snapshot, revision: status.revision, keys, hashKV };
}
