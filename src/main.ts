#!/usr/bin/env node
/** The one CLI: `rke2-lifecycle <command>`. Each command lives in src/cli/. */
import { PROGRAM, processIo, type CliIo, type ExitCode } from "./cli/usage.ts";
import type { Env } from "./flags.ts";

type Run = (argv: readonly string[], env: Env, io: CliIo) => ExitCode | Promise<ExitCode>;

interface Command {
  summary: string;
  /**
   * Imports the command's module only when it runs: the operator and the node-agent must not load
   * the simulator, the demo or the CRD renderer (test/unit/cli/module-graph.test.ts checks it).
   */
  load: () => Promise<Run>;
}

const COMMANDS: Record<string, Command> = {
  operator: {
    summary: "run the controllers (current kubeconfig or in-cluster)",
    load: async () => (await import("./cli/operator.ts")).runOperatorCommand,
  },
  demo: {
    summary: "the whole story on a simulated 7-node RKE2 cluster, with live progress",
    load: async () => (await importSimulator(() => import("./cli/demo.ts"))).runDemoCommand,
  },
  sim: {
    summary: "start the simulated RKE2 cluster and print a kubeconfig for kubectl",
    load: async () => (await importSimulator(() => import("./cli/sim.ts"))).runSimCommand,
  },
  plan: {
    summary: "preview, pause, resume or retry an UpgradePlan on the cluster of your kubeconfig",
    load: async () => (await import("./cli/plan.ts")).runPlanCommand,
  },
  status: {
    summary: "one screen: nodes by tier, certificates, snapshots, the operation running, what needs attention",
    load: async () => (await import("./cli/status.ts")).runStatusCommand,
  },
  snapshot: {
    summary: "take an etcd snapshot now through an EtcdSnapshotPolicy and print the verified result",
    load: async () => (await import("./cli/snapshot.ts")).runSnapshotCommand,
  },
  restore: {
    summary: "print the ordered runbook that restores an etcd snapshot onto the cluster of your kubeconfig",
    load: async () => (await import("./cli/restore.ts")).runRestoreCommand,
  },
  "node-agent": {
    summary:
      "what runs on a node: node Jobs (snapshot-save, snapshot-delete, cert-rotate, restore-drill) " +
      "and the cert-inventory DaemonSet",
    load: async () => (await import("./nodeops/agent/cli.ts")).runNodeAgentCommand,
  },
  version: {
    summary: "print the version of this CLI and of Node.js (also: --version)",
    load: async () => {
      const { runVersionCommand } = await import("./cli/version.ts");
      return (argv, _env, io) => runVersionCommand(argv, io);
    },
  },
  crds: {
    summary: "print the CustomResourceDefinitions (--out DIR, --check DIR)",
    load: async () => {
      const { runCrds } = await import("./cli/crds.ts");
      return (argv, _env, io) => runCrds(argv, io);
    },
  },
};

/** The container image leaves the simulator out (see the Dockerfile): say so instead of a stack trace. */
export class SimulatorNotShippedError extends Error {}

async function importSimulator<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND") throw err;
    throw new SimulatorNotShippedError(
      "the simulator is not part of this build (the image ships the operator only); run it from a source checkout",
      { cause: err },
    );
  }
}

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: ${PROGRAM} <command> [flags]

Runs the lifecycle of RKE2 clusters: etcd snapshots, certificate rotation and version upgrades,
declared as EtcdSnapshotPolicy, CertRotation and UpgradePlan resources.

Commands:
${lines.join("\n")}

'${PROGRAM} <command> --help' describes a command's flags; '${PROGRAM} --version' prints the version.
`;
}

export async function main(argv: readonly string[], env: Env, io: CliIo = processIo): Promise<ExitCode> {
  const [first, ...rest] = argv;
  const name = first === "--version" ? "version" : first;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`${PROGRAM}: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  let run: Run;
  try {
    run = await command.load();
  } catch (err) {
    if (!(err instanceof SimulatorNotShippedError)) throw err;
    io.stderr(`${PROGRAM} ${name}: ${err.message}\n`);
    return 1;
  }
  return run(rest, env, io);
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("/main.js")) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
