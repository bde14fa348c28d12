/**
 * `rke2-lifecycle node-agent <subcommand> ...`: what a node Job runs. It writes exactly one JSON
 * result (../results.ts) to the termination message file and exits 0 (done), 1 (the action
 * failed) or 2 (the argv is wrong: a bug or version skew between operator and image).
 */
import {
  AGENT_COMMAND,
  NODE_NAME_ENV,
  parseRestoreDrillArgs,
  parseSnapshotDeleteArgs,
  parseSnapshotSaveArgs,
} from "../agent-args.ts";
import { encodeResult, type NodeActionResult } from "../results.ts";
import {
  DEFAULT_HOST_ROOT,
  nodeFs,
  processRunner,
  type AgentFs,
  type CommandRunner,
  type HostContext,
} from "./host.ts";
import { snapshotDelete, snapshotSave, type AgentLog } from "./snapshot.ts";
import { certRotateCommand, runCertInventoryCommand } from "./cert-commands.ts";
import { asksForHelp, subcommandHelp } from "./help.ts";
import { nodeDrillHost } from "./drill-host.ts";
import { restoreDrill, type DrillHost } from "./restore-drill.ts";

export type AgentExitCode = 0 | 1 | 2;

export interface AgentIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface AgentDeps {
  runner: CommandRunner;
  fs: AgentFs;
  hostRoot: string;
  /** Processes, scratch folders and unzip for restore-drill; the real ones when absent. */
  drill?: DrillHost;
}

/** Kubernetes reads the container's termination message from here unless the pod says otherwise. */
export const DEFAULT_TERMINATION_LOG = "/dev/termination-log";
/** Overrides the termination message path (running the agent by hand on a host). */
export const TERMINATION_LOG_ENV = "TERMINATION_LOG_PATH";

type Subcommand = (
  argv: readonly string[],
  host: HostContext & { drill: DrillHost },
  node: string,
  log: AgentLog,
) => Promise<NodeActionResult | { usage: string; action?: NodeActionResult["action"] }>;

const SUBCOMMANDS: Record<string, Subcommand> = {
  "snapshot-save": async (argv, host, node, log) => {
    const parsed = parseSnapshotSaveArgs(argv);
    if (!parsed.ok) return { usage: parsed.error, action: "snapshot-save" };
    return snapshotSave(host, parsed.options, node, log);
  },
  "snapshot-delete": async (argv, host, _node, log) => {
    const parsed = parseSnapshotDeleteArgs(argv);
    if (!parsed.ok) return { usage: parsed.error, action: "snapshot-delete" };
    return snapshotDelete(host, parsed.options, log);
  },
  "cert-rotate": (argv, host, _node, log) => certRotateCommand(argv, host, log),
  "restore-drill": async (argv, host, _node, log) => {
    const parsed = parseRestoreDrillArgs(argv);
    if (!parsed.ok) return { usage: parsed.error, action: "restore-drill" };
    return restoreDrill(host, host.drill, parsed.options, log);
  },
};

/** Long-running subcommands (the inventory DaemonSet): no termination message, they run until SIGTERM. */
type Daemon = (
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: AgentIo,
  hostRoot: string,
) => Promise<AgentExitCode>;

const DAEMONS: Record<string, Daemon> = {
  "cert-inventory": runCertInventoryCommand,
};

/** The subcommands, then the daemons. */
function commandNames(): string[] {
  return [...Object.keys(SUBCOMMANDS), ...Object.keys(DAEMONS)];
}

export function nodeAgentHelp(): string {
  return `Usage: rke2-lifecycle ${AGENT_COMMAND} <${commandNames().join("|")}> [flags]

Runs inside a node Job: executes the host's rke2 in the host's namespaces (nsenter --target 1)
and writes the result as JSON to ${DEFAULT_TERMINATION_LOG} (override with ${TERMINATION_LOG_ENV}).
S3 credentials are read from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
cert-inventory runs until SIGTERM in the certificate inventory DaemonSet (flags: --namespace,
--scan-interval, --data-dir) and reports the node's certificates to its inventory Lease.
'rke2-lifecycle ${AGENT_COMMAND} <subcommand> --help' describes a subcommand's flags.
`;
}

/** The entry point main.ts wires to `node-agent`; argv may or may not start with "node-agent". */
export function runNodeAgentCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  io: { stdout(t: string): void; stderr(t: string): void },
): Promise<AgentExitCode> {
  return runNodeAgent(argv, env, io, { runner: processRunner, fs: nodeFs, hostRoot: DEFAULT_HOST_ROOT });
}

export async function runNodeAgent(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: AgentIo,
  deps: AgentDeps,
): Promise<AgentExitCode> {
  const full = argv[0] === AGENT_COMMAND ? [...argv] : [AGENT_COMMAND, ...argv];
  const name = full[1];
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(nodeAgentHelp());
    return name === undefined ? 2 : 0;
  }
  const resultFile = { path: DEFAULT_TERMINATION_LOG, env: TERMINATION_LOG_ENV };
  const help = asksForHelp(full.slice(2)) ? subcommandHelp(name, resultFile) : undefined;
  if (help !== undefined) {
    io.stdout(help);
    return 0;
  }
  const daemon = DAEMONS[name];
  if (daemon) return daemon(full, env, io, deps.hostRoot);
  const subcommand = SUBCOMMANDS[name];
  if (!subcommand) {
    io.stderr(`${AGENT_COMMAND}: unknown subcommand ${JSON.stringify(name)} (known: ${commandNames().join(", ")})\n`);
    return 2;
  }
  const node = env[NODE_NAME_ENV] ?? "";
  const host = { runner: deps.runner, fs: deps.fs, env, hostRoot: deps.hostRoot, drill: deps.drill ?? nodeDrillHost };
  const log: AgentLog = (line) => {
    io.stderr(`${line}\n`);
  };
  const outcome = await subcommand(full, host, node, log).catch((err: unknown) => ({
    ok: false as const,
    action: name as NodeActionResult["action"],
    error: `node-agent crashed: ${err instanceof Error ? err.message : String(err)}`,
  }));

  const terminationLog = env[TERMINATION_LOG_ENV] ?? DEFAULT_TERMINATION_LOG;
  if ("usage" in outcome) {
    io.stderr(`${AGENT_COMMAND} ${name}: ${outcome.usage}\n`);
    if (outcome.action)
      await writeResult(
        deps.fs,
        terminationLog,
        { ok: false, action: outcome.action, error: `invalid arguments: ${outcome.usage}` },
        io,
      );
    return 2;
  }
  await writeResult(deps.fs, terminationLog, outcome, io);
  io.stdout(outcome.ok ? `${name}: done\n` : `${name}: failed: ${outcome.error}\n`);
  return outcome.ok ? 0 : 1;
}

async function writeResult(fs: AgentFs, path: string, result: NodeActionResult, io: AgentIo): Promise<void> {
  let text: string;
  try {
    text = encodeResult(result);
  } catch (err) {
    // Over the 4 KiB limit: say so in a result that fits rather than let the kubelet cut JSON in half.
    text = encodeResult({
      ok: false,
      action: result.action,
      error: err instanceof Error ? err.message.slice(0, 500) : "result too large",
    });
  }
  try {
    await fs.writeFile(path, text, 0o644);
  } catch (err) {
    io.stderr(`cannot write the termination message to ${path}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
}
