/**
 * Outputs of `rke2 etcd-snapshot` as RKE2 prints them (logrus text on stderr, `ls -o json` on
 * stdout), shaped after the CLI and server code of k3s/RKE2 2024-2025 and the older in-process CLI.
 */
import { afterEach, beforeEach, expect } from "@jest/globals";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { nodeCertTreeFs } from "../../../../src/certs/scan.ts";
import { HOST_NAMESPACES_PREFIX, type HostContext } from "../../../../src/nodeops/agent/host.ts";
import { systemClock } from "../../../../src/runtime/clock.ts";
import { certTree, SERVER_FILES, writeNode, type CertTree } from "../../certs/fixtures.ts";
import type { CommandResult, CommandRunner } from "../../../../src/nodeops/agent/host.ts";
import type { AgentFs } from "../../../../src/nodeops/agent/host.ts";
import { runNodeAgent } from "../../../../src/nodeops/agent/cli.ts";
import { decodeResult } from "../../../../src/nodeops/results.ts";

const T = 'time="2025-03-01T02:00:03Z"';
const SNAPSHOTS = "/var/lib/rancher/rke2/server/db/snapshots";

export function saveLog(...names: string[]): string {
  return names.map((name) => `${T} level=info msg="Snapshot ${name} saved."`).join("\n") + "\n";
}

export const SAVE_IN_PROGRESS =
  `${T} level=fatal msg="see server log for details: https://127.0.0.1:9345/db/snapshot: ` +
  `500 Internal Server Error: snapshot save already in progress"\n`;

export const LEGACY_SAVE_LOG = [
  `${T} level=info msg="Managed etcd cluster bootstrap already complete and initialized"`,
  `${T} level=info msg="Saving etcd snapshot to ${SNAPSHOTS}/nightly-server-1-1740794400"`,
  `${T} level=info msg="Compressed snapshot: ${SNAPSHOTS}/nightly-server-1-1740794400.zip"`,
  `${T} level=info msg="Saving current etcd snapshot set to rke2-etcd-snapshots ConfigMap"`,
].join("\n");

export interface ListItem {
  name: string;
  node: string;
  location: string;
  size?: string | number;
  ready?: boolean;
  s3?: boolean;
}

/** `rke2 etcd-snapshot ls -o json` on current releases: a List of ETCDSnapshotFile, 4-space indented. */
export function listJson(items: ListItem[]): string {
  return JSON.stringify(
    {
      kind: "List",
      apiVersion: "v1",
      metadata: {},
      items: items.map((item) => ({
        metadata: { name: `${item.s3 ? "s3" : "local"}-${item.name}`, creationTimestamp: null },
        spec: {
          snapshotName: item.name,
          nodeName: item.node,
          location: item.location,
          ...(item.s3
            ? { s3: { endpoint: "s3.amazonaws.com", bucket: "backups", region: "us-east-1", prefix: "prod" } }
            : {}),
        },
        status: { size: item.size ?? "24576k", creationTime: "2025-03-01T02:00:00Z", readyToUse: item.ready ?? true },
      })),
    },
    null,
    4,
  );
}

export type Responder = (args: readonly string[]) => CommandResult;

/** Answers by rke2 subcommand (save, ls, delete) and records every call. */
export class FakeRunner implements CommandRunner {
  readonly calls: { argv: string[]; env: Record<string, string | undefined> }[] = [];
  private readonly responders: Record<string, Responder>;

  constructor(responders: Record<string, Responder>) {
    this.responders = responders;
  }

  run(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<CommandResult> {
    this.calls.push({ argv: [...argv], env: { ...env } });
    const sub = argv[argv.indexOf("etcd-snapshot") + 1] ?? "";
    const responder = this.responders[sub];
    return Promise.resolve(
      responder ? responder(argv) : { exitCode: 127, stdout: "", stderr: `unexpected ${argv.join(" ")}` },
    );
  }

  rke2Args(sub: string): string[] | undefined {
    const call = this.calls.find((c) => c.argv.includes(sub));
    if (!call) return undefined;
    return call.argv.slice(call.argv.indexOf("--") + 1);
  }
}

export class FakeFs implements AgentFs {
  readonly files = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [path, content] of Object.entries(initial)) this.files.set(path, content);
  }

  exists(path: string): Promise<boolean> {
    return Promise.resolve(this.files.has(path));
  }

  readFile(path: string): Promise<string> {
    const content = this.files.get(path);
    return content === undefined ? Promise.reject(new Error(`ENOENT: ${path}`)) : Promise.resolve(content);
  }

  writeFile(path: string, content: string): Promise<void> {
    this.files.set(path, content);
    return Promise.resolve();
  }

  /** In 5-byte chunks, so digests are taken across chunk boundaries. */
  async *readChunks(path: string): AsyncIterable<Uint8Array> {
    const content = this.files.get(path);
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    const bytes = Buffer.from(content);
    for (let offset = 0; offset < bytes.length; offset += 5) yield bytes.subarray(offset, offset + 5);
    await Promise.resolve();
  }
}

export const ok = (stdout = "", stderr = ""): CommandResult => ({ exitCode: 0, stdout, stderr });
export const failed = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: "", stderr });

// ---- Running the node-agent CLI (cli*.test.ts). ----

export const TERMINATION_LOG = "/tmp/termination-log";
export const SNAPSHOT_NAME = "nightly-server-1-1740794400.zip";
export const LOCAL_SNAPSHOT = `file:///var/lib/rancher/rke2/server/db/snapshots/${SNAPSHOT_NAME}`;
export const REMOTE_SNAPSHOT = `s3://backups/prod/${SNAPSHOT_NAME}`;
export const AGENT_ENV = {
  NODE_NAME: "server-1",
  TERMINATION_LOG_PATH: TERMINATION_LOG,
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "very-secret",
};

/** The snapshot file on the host, and its digests as `sha256sum`/`md5sum` print them. */
export const SNAPSHOT_BYTES = "etcd snapshot bytes\n";
export const SNAPSHOT_DIGEST = {
  size: 20,
  sha256: "7978b8f05d639578839e407e61834e1dea08c64ef32d702de3ab746b35dede07",
  md5: "2d45f0673392e1eeb7d256516f47a572",
};
/** A host with rke2 and the local snapshot file. */
export const hostWithSnapshot = () =>
  new FakeFs({ "/host/usr/local/bin/rke2": "elf", [`/host${LOCAL_SNAPSHOT.slice("file://".length)}`]: SNAPSHOT_BYTES });

/** Runs the node-agent CLI on a fake host; returns its exit code, output and decoded termination log. */
export async function runAgent(argv: string[], runner: FakeRunner, fs = hostWithSnapshot()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runNodeAgent(
    argv,
    AGENT_ENV,
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    { runner, fs, hostRoot: "/host" },
  );
  const decoded = decodeResult(fs.files.get(TERMINATION_LOG));
  return { code, decoded, out: out.join(""), err: err.join(""), fs };
}

// ---- A host for cert-rotate (cert-rotate*.test.ts). ----

export const OLD = new Date("2026-03-21T00:00:00Z");
export const NEW = new Date("2027-03-01T00:00:00Z");
export const DATA = "/var/lib/rancher/rke2";
/** The node under test: a fresh certificate tree per test (`freshCertTreeEachTest`). */
export const node = { tree: undefined as unknown as CertTree, hostRoot: "" };

/** What the fake rke2 still writes after `systemctl start` answered (see `serverHost`). */
const pendingRenewals = new Set<Promise<void>>();

export function freshCertTreeEachTest(): void {
  beforeEach(async () => {
    node.tree = await certTree();
    node.hostRoot = node.tree.dataDir.slice(0, -DATA.length);
  });
  afterEach(async () => {
    // A test may end before the renewal it started has written (a failed rotation does not wait
    // for it); removing the tree under those writes fails with ENOTEMPTY.
    await Promise.all(pendingRenewals);
    await node.tree.cleanup();
  });
}

export type Handler = (args: readonly string[]) => CommandResult | Promise<CommandResult>;

/** A host: answers by command, records every call (without the nsenter prefix). */
export class FakeHost implements CommandRunner {
  readonly calls: string[] = [];
  readonly handlers: [prefix: string, handler: Handler][];

  constructor(handlers: [string, Handler][]) {
    this.handlers = handlers;
  }

  async run(argv: readonly string[]): Promise<CommandResult> {
    expect(argv.slice(0, HOST_NAMESPACES_PREFIX.length)).toEqual([...HOST_NAMESPACES_PREFIX]);
    const args = argv.slice(HOST_NAMESPACES_PREFIX.length);
    const line = args.join(" ");
    this.calls.push(line);
    const match = this.handlers.find(([prefix]) => line.startsWith(prefix));
    return match ? match[1](args) : failed(`unexpected: ${line}`, 127);
  }
}

export const ROTATE_LOG =
  'time="2026-03-01T02:00:03Z" level=info msg="Successfully backed up certificates to ' +
  '/var/lib/rancher/rke2/server/tls-1772330403, please restart rke2 server or agent to rotate certificates"';

export function serverHost(
  extra: [string, Handler][] = [],
  renew: (tree: CertTree) => Promise<void> = (t) =>
    writeNode(
      t,
      SERVER_FILES.filter(([, kind]) => kind === "leaf"),
      NEW,
    ),
): FakeHost {
  return new FakeHost([
    ...extra,
    ["systemctl is-active --quiet rke2-server", () => ok()],
    ["systemctl stop rke2-server", () => ok()],
    ["/usr/local/bin/rke2 certificate rotate", () => ok("", ROTATE_LOG)],
    [
      "rm -rf -- ",
      async (args) => {
        await rm(join(node.hostRoot, args.at(-1) ?? "/nonexistent"), { recursive: true, force: true });
        return ok();
      },
    ],
    // rke2 regenerates what rotate deleted once it starts; a moment later, as on a node.
    [
      "systemctl start --no-block rke2-server",
      () => {
        const tree = node.tree;
        const renewal = new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            renew(tree).then(resolve, reject);
          }, 30);
        }).finally(() => pendingRenewals.delete(renewal));
        pendingRenewals.add(renewal);
        return ok();
      },
    ],
  ]);
}

export function hostOf(runner: CommandRunner): HostContext {
  return {
    runner,
    fs: new FakeFs({ [`${node.hostRoot}/usr/local/bin/rke2`]: "elf" }),
    env: {},
    hostRoot: node.hostRoot,
  };
}

export const deps = (overrides: { renewTimeoutMs?: number; signal?: AbortSignal } = {}) => ({
  certFs: nodeCertTreeFs,
  clock: systemClock,
  pollMs: 10,
  renewTimeoutMs: overrides.renewTimeoutMs ?? 2000,
  ...(overrides.signal ? { signal: overrides.signal } : {}),
});
const lines: string[] = [];
export const log = (line: string): void => {
  lines.push(line);
};
