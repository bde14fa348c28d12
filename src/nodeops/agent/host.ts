/**
 * How the node-agent reaches the host it runs on. The node Job is privileged with `hostPID`,
 * `hostNetwork` and the host's `/` at `/host` (see ../job.ts); the agent runs the host's own
 * `rke2` binary inside the host's namespaces with `nsenter --target 1`, the way kured reboots a
 * node: entering PID 1's mount namespace gives rke2 exactly the host's view (its config file,
 * data dir and token, the snapshot dir, /proc), which `chroot /host` would not without extra
 * mounts, and old RKE2 releases that snapshot in-process need all of that. nsenter ships in the
 * image (util-linux is part of every Debian base image).
 *
 * Commands and the filesystem are injected so the agent is unit tested without a host.
 */
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { HOST_ROOT } from "../job.ts";
import { JOB_FILES_DIR } from "../agent-args.ts";

export interface CommandResult {
  /** 127 when the program could not be started at all. */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface CommandRunner {
  run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<CommandResult>;
}

export interface AgentFs {
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<string>;
  /** Creates missing parent directories. */
  writeFile(path: string, content: string, mode: number): Promise<void>;
  /** The file's bytes as a stream (large files: snapshots are hashed, never held whole). */
  readChunks(path: string): AsyncIterable<Uint8Array>;
}

/** Enter every namespace of the host's init process; rke2 then runs as if started from a host shell. */
export const HOST_NAMESPACES_PREFIX = [
  "nsenter",
  "--target",
  "1",
  "--mount",
  "--uts",
  "--ipc",
  "--net",
  "--pid",
  "--",
] as const;

/** Where RKE2's installers put the binary: tarball, RPM, and the tarball on hosts with a read-only /usr/local. */
export const RKE2_BINARY_CANDIDATES = ["/usr/local/bin/rke2", "/usr/bin/rke2", "/opt/rke2/bin/rke2"] as const;

/** Env var naming the host path of the rke2 binary, for installs elsewhere. */
export const RKE2_BINARY_ENV = "RKE2_BIN";

/** Where the agent puts the endpoint CA on the host, for rke2 (which reads the path host-side). */
export const HOST_CA_PATH = "/var/lib/rancher/rke2-lifecycle/etcd-s3-endpoint-ca.pem";

export interface HostContext {
  runner: CommandRunner;
  fs: AgentFs;
  env: Readonly<Record<string, string | undefined>>;
  /** The host's `/` as mounted in the container. */
  hostRoot: string;
}

/** The host path of rke2, checked through the host mount; undefined when none is installed. */
export async function findRke2Binary(host: HostContext): Promise<string | undefined> {
  const configured = host.env[RKE2_BINARY_ENV];
  const candidates = configured ? [configured] : RKE2_BINARY_CANDIDATES;
  for (const candidate of candidates) {
    if (await host.fs.exists(`${host.hostRoot}${candidate}`)) return candidate;
  }
  return undefined;
}

/** Runs `rke2 <args>` in the host's namespaces with the agent's env (S3 credentials travel there, never in argv). */
export function runRke2(host: HostContext, binary: string, args: readonly string[]): Promise<CommandResult> {
  return host.runner.run([...HOST_NAMESPACES_PREFIX, binary, ...args], host.env);
}

/**
 * A CA bundle the Job mounted lives in the container; rke2 reads `--etcd-s3-endpoint-ca` on the
 * host. Copy it there and hand rke2 the host path. A path outside the Job's mount is already a
 * host path (set by hand) and is passed through.
 */
export async function hostPathForCa(host: HostContext, containerPath: string): Promise<string> {
  if (!containerPath.startsWith(`${JOB_FILES_DIR}/`)) return containerPath;
  const pem = await host.fs.readFile(containerPath);
  await host.fs.writeFile(`${host.hostRoot}${HOST_CA_PATH}`, pem, 0o600);
  return HOST_CA_PATH;
}

export const processRunner: CommandRunner = {
  run(argv, env) {
    return new Promise((resolve) => {
      const [program, ...args] = argv;
      if (program === undefined) {
        resolve({ exitCode: 127, stdout: "", stderr: "no command given" });
        return;
      }
      const cleanEnv = Object.fromEntries(
        Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const child = spawn(program, args, { env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
      child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      child.on("error", (err) => {
        resolve({ exitCode: 127, stdout: "", stderr: `cannot run ${program}: ${err.message}` });
      });
      child.on("close", (code, signal) => {
        const text = Buffer.concat(stderr).toString("utf8");
        resolve({
          exitCode: code ?? 128,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: signal ? `${text}\n${program} ended by signal ${signal}` : text,
        });
      });
    });
  },
};

export const nodeFs: AgentFs = {
  async exists(path) {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  readFile: (path) => readFile(path, "utf8"),
  async writeFile(path, content, mode) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content, { mode });
  },
  readChunks: (path) => createReadStream(path, { highWaterMark: 1024 * 1024 }),
};

export const DEFAULT_HOST_ROOT = HOST_ROOT;
