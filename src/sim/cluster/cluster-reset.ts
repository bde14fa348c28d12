/**
 * SIMULATED: the servers' side of an RKE2 cluster reset, just enough to walk a restore runbook
 * (cli/restore-runbook.ts) command by command and catch a wrong order. It models what the
 * procedure depends on, after rke2-docs backup_restore.md and rke2 pkg/rke2/rke2_linux.go:
 * rke2-server running or stopped; each server's `server/db` (which cluster's etcd data it holds,
 * with the local snapshots inside); the reset (all servers stopped, the snapshot at hand, the
 * token the snapshot was taken under, old data moved to `etcd-old-*`, the reset-flag); and that
 * an etcd server can only join the restored cluster once its old data is out of the way. It runs
 * no etcd and writes no file: state lives in this object.
 */
import { RESET_DONE_MESSAGE, TOKEN_MISMATCH_MESSAGE } from "../../cli/restore-runbook.ts";

export interface SimServerSpec {
  name: string;
  etcd: boolean;
  dataDir: string;
  /** Snapshot files on its disk, full paths. */
  files?: string[];
  /** The server token it runs with now. */
  token?: string;
}

interface ServerState {
  spec: SimServerSpec;
  running: boolean;
  /** The etcd data in server/db: which cluster it belongs to; undefined once moved away. */
  db: string | undefined;
  resetFlag: boolean;
  files: Set<string>;
  moved: string[];
}

export interface ResetWorld {
  servers: SimServerSpec[];
  /** Object names in the bucket. */
  s3Objects?: string[];
  /** The token every snapshot was taken under. */
  snapshotToken?: string;
}

export type CommandOutcome = { ok: true; output: string } | { ok: false; error: string };

const ORIGINAL = "original";
const DEFAULT_TOKEN = "K10-sim-token";

export class SimulatedClusterReset {
  private readonly servers = new Map<string, ServerState>();
  private readonly s3: Set<string>;
  private readonly snapshotToken: string;
  /** The cluster the restored server now runs; undefined before the reset. */
  private restored: string | undefined;

  constructor(world: ResetWorld) {
    for (const spec of world.servers) {
      this.servers.set(spec.name, {
        spec,
        running: true,
        db: spec.etcd ? ORIGINAL : undefined,
        resetFlag: false,
        files: new Set(spec.files ?? []),
        moved: [],
      });
    }
    this.s3 = new Set(world.s3Objects ?? []);
    this.snapshotToken = world.snapshotToken ?? DEFAULT_TOKEN;
  }

  /** Runs one runbook command; `node` undefined: a machine with kubectl. */
  run(node: string | undefined, command: string): CommandOutcome {
    const words = command.trim().split(/\s+/);
    if (words[0] === "kubectl") return this.kubectl(words);
    if (words[0] === "export") return { ok: true, output: "" };
    if (node === undefined) return { ok: false, error: `${command}: needs a server` };
    const server = this.servers.get(node);
    if (!server) return { ok: false, error: `no server ${node}` };
    const argv = words[0] === "sudo" ? words.slice(words[1]?.startsWith("--preserve-env=") ? 2 : 1) : words;
    const [program, ...args] = argv;
    if (program === "systemctl" && args[1] === "rke2-server") {
      if (args[0] === "stop") return this.stop(server);
      if (args[0] === "start") return this.start(server);
    }
    if (program === "rke2" && args[0] === "server" && args.includes("--cluster-reset")) return this.reset(server, args);
    if (program === "mv") return this.move(server, args[0] ?? "", args[1] ?? "");
    if (program === "rm") return { ok: false, error: `${command}: deletes data (server/db holds the local snapshots)` };
    if (program === "ls") {
      const path = args[args.length - 1] ?? "";
      return server.files.has(path) ? { ok: true, output: path } : { ok: false, error: `ls: ${path}: No such file` };
    }
    if (program === "cat" || program === "grep") return { ok: true, output: server.spec.token ?? DEFAULT_TOKEN };
    return { ok: false, error: `the simulated host does not know: ${command}` };
  }

  /** Etcd members of the running cluster, and where each server's old data went. */
  state(): { restoredFrom: string | undefined; running: string[]; members: string[]; moved: Record<string, string[]> } {
    const all = [...this.servers.values()];
    return {
      restoredFrom: this.restored,
      running: all.filter((s) => s.running).map((s) => s.spec.name),
      members: all.filter((s) => s.spec.etcd && s.running && s.db === this.restored).map((s) => s.spec.name),
      moved: Object.fromEntries(all.filter((s) => s.moved.length > 0).map((s) => [s.spec.name, s.moved])),
    };
  }

  private stop(server: ServerState): CommandOutcome {
    server.running = false;
    return { ok: true, output: "" };
  }

  private start(server: ServerState): CommandOutcome {
    const name = server.spec.name;
    if (server.spec.etcd) {
      if (server.db === undefined) {
        if (!this.runningRestored()) return { ok: false, error: `${name}: no restored server runs to join` };
        server.db = this.restored;
      } else if (this.restored !== undefined && server.db !== this.restored) {
        return {
          ok: false,
          error: `${name}: its server/db still holds the old cluster's etcd data; the reset removed it as a member`,
        };
      }
      server.resetFlag = false;
    } else if (!this.runningRestored() && this.restored !== undefined) {
      return { ok: false, error: `${name}: no etcd server runs yet` };
    }
    server.running = true;
    return { ok: true, output: "" };
  }

  private runningRestored(): boolean {
    return [...this.servers.values()].some((s) => s.running && s.spec.etcd && s.db === this.restored);
  }

  private reset(server: ServerState, args: string[]): CommandOutcome {
    const name = server.spec.name;
    if (!server.spec.etcd) return { ok: false, error: `${name} is not an etcd server` };
    const stillRunning = [...this.servers.values()].filter((s) => s.running).map((s) => s.spec.name);
    if (stillRunning.length > 0) return { ok: false, error: `rke2-server still runs on ${stillRunning.join(", ")}` };
    if (server.resetFlag) return { ok: false, error: `${name}: server/db/reset-flag exists: a reset just ran` };
    const path = args.find((arg) => arg.startsWith("--cluster-reset-restore-path="))?.split("=")[1] ?? "";
    const fromS3 = args.includes("--etcd-s3");
    const found = fromS3 ? this.s3.has(path) : server.files.has(path);
    if (!found) return { ok: false, error: `snapshot ${path} not found ${fromS3 ? "in the bucket" : `on ${name}`}` };
    const token = args.find((arg) => arg.startsWith("--token="))?.slice("--token=".length) ?? server.spec.token;
    if ((token ?? DEFAULT_TOKEN) !== this.snapshotToken) return { ok: false, error: TOKEN_MISMATCH_MESSAGE };
    if (server.db !== undefined) server.moved.push(`${server.spec.dataDir}/server/db/etcd-old-sim`);
    this.restored = `restored from ${path}`;
    server.db = this.restored;
    server.resetFlag = true;
    return { ok: true, output: RESET_DONE_MESSAGE };
  }

  private move(server: ServerState, from: string, to: string): CommandOutcome {
    const db = `${server.spec.dataDir}/server/db`;
    if (from !== db) return { ok: false, error: `mv ${from}: the simulated host moves only ${db}` };
    if (server.running) return { ok: false, error: `${server.spec.name}: rke2-server still runs; stop it first` };
    if (server.db === undefined && server.moved.length > 0) return { ok: false, error: `mv: ${from}: No such file` };
    // The local snapshots move with the folder: kept, under the new name.
    for (const file of [...server.files]) {
      if (!file.startsWith(`${db}/`)) continue;
      server.files.delete(file);
      server.files.add(`${to}/${file.slice(db.length + 1)}`);
    }
    server.moved.push(to);
    server.db = undefined;
    return { ok: true, output: "" };
  }

  private kubectl(words: string[]): CommandOutcome {
    const target = words.find((word) => word.startsWith("node/") || word.startsWith("pod/etcd-"));
    if (target === undefined) return { ok: true, output: "" };
    const name = target.startsWith("node/") ? target.slice("node/".length) : target.slice("pod/etcd-".length);
    const server = this.servers.get(name);
    if (!server?.running) return { ok: false, error: `timed out waiting for ${target}` };
    if (target.startsWith("pod/") && server.db !== this.restored) return { ok: false, error: `${target} not Ready` };
    return { ok: true, output: `${target} condition met` };
  }
}
