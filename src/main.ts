#!/usr/bin/env node
/** The one CLI: `rke2-lifecycle <command>`. Each command lives in src/cli/. */
import { runCrds } from "./cli/crds.ts";
import { runDemoCommand } from "./cli/demo.ts";
import { runOperatorCommand } from "./cli/operator.ts";
import { runSimCommand } from "./cli/sim.ts";
import { runNodeAgentCommand } from "./nodeops/agent/cli.ts";
import { PROGRAM, processIo, type CliIo, type ExitCode } from "./cli/usage.ts";
import type { Env } from "./config.ts";

interface Command {
  summary: string;
  run: (argv: readonly string[], env: Env, io: CliIo) => ExitCode | Promise<ExitCode>;
}

const COMMANDS: Record<string, Command> = {
  operator: { summary: "run the controllers (current kubeconfig or in-cluster)", run: runOperatorCommand },
  demo: { summary: "the whole story on a simulated 7-node RKE2 cluster, with live progress", run: runDemoCommand },
  sim: { summary: "start the simulated RKE2 cluster and print a kubeconfig for kubectl", run: runSimCommand },
  "node-agent": { summary: "what runs on a node: node Jobs (snapshot-save, snapshot-delete, cert-rotate) and the cert-inventory DaemonSet", run: (argv, env, io) => runNodeAgentCommand(argv, env, io) },
  crds: { summary: "print the CustomResourceDefinitions (--out DIR, --check DIR)", run: (argv, _env, io) => runCrds(argv, io) },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return `Usage: ${PROGRAM} <command> [flags]

Runs the lifecycle of RKE2 clusters: etcd snapshots, certificate rotation and version upgrades,
declared as EtcdSnapshotPolicy, CertRotation and UpgradePlan resources.

Commands:
${lines.join("\n")}

'${PROGRAM} <command> --help' describes a command's flags.
`;
}

export async function main(argv: readonly string[], env: Env, io: CliIo = processIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(mainHelp());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`${PROGRAM}: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  return command.run(rest, env, io);
}

if (import.meta.filename === process.argv[1] || process.argv[1]?.endsWith("/main.js")) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
