import { copyFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import { createLogger } from "../observability/logger.ts";
import { parseRke2Version } from "../rke2/versions.ts";
import { demoTopology, scaleTopology, startSim, type Sim } from "../sim/index.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

export const SIM_FLAGS = {
  nodes: {
    type: "integer",
    min: 1,
    max: 10_000,
    default: 7,
    description:
      "nodes: 7 is the demo topology (1 etcd-only, 2 etcd+control-plane, 1 control-plane-only, 3 agents); " +
      "other counts get 3 servers and agents",
  },
  version: { type: "string", default: "v1.30.6+rke2r1", description: "RKE2 version every node starts at" },
  timeScale: {
    type: "string",
    default: "0.05",
    check: { pattern: /^(0|[1-9]\d*)?(\.\d+)?$/, expected: "a positive number such as 0.05" },
    description: "real-world node durations are multiplied by this (0.05: a 60 s restart takes 3 s)",
  },
  port: {
    type: "integer",
    min: 0,
    max: 65535,
    default: 0,
    description: "port of the simulated API server (0: any free port)",
  },
  kubeconfigOut: {
    type: "string",
    default: ".sim/kubeconfig",
    description: "where to write the kubeconfig for kubectl",
  },
  logLevel: {
    type: "choice",
    choices: ["trace", "debug", "info", "warn", "error", "fatal", "silent"],
    default: "warn",
    description: "log level of the simulation",
  },
} as const;

export type SimFlags = typeof SIM_FLAGS;

export const SIM_HELP = `Usage: ${PROGRAM} sim [flags]

Starts the simulated RKE2 cluster: a Kubernetes API server on 127.0.0.1 (plain HTTP), the
controllers a real kube-controller-manager would run (Jobs, Deployments, DaemonSets, PDBs,
garbage collection) and emulated RKE2 nodes with their kubelets. It is a simulation: no
container runs. Point kubectl at the printed kubeconfig; Ctrl-C stops it.

Flags:
${flagUsage(SIM_FLAGS, null)}
`;

export interface SimSettings {
  nodes: number;
  version: string;
  timeScale: number;
  port: number;
  kubeconfigOut: string;
  logLevel: string;
}

/** Parses the sim's flags (shared by `sim` and `demo`); an error is one line naming the flag. */
export function parseSimSettings(
  argv: readonly string[],
): { ok: true; settings: SimSettings } | { ok: false; error: string } {
  const parsed = parseFlags(argv, {}, SIM_FLAGS, { envPrefix: null });
  if (!parsed.ok) return parsed;
  const { values } = parsed;
  if (!parseRke2Version(values.version))
    return {
      ok: false,
      error: `--version: expected an RKE2 version such as v1.30.6+rke2r1, got ${JSON.stringify(values.version)}`,
    };
  const timeScale = Number(values.timeScale);
  if (!(timeScale > 0))
    return { ok: false, error: `--time-scale: expected a positive number, got ${JSON.stringify(values.timeScale)}` };
  return { ok: true, settings: { ...values, timeScale } };
}

export async function startSimFromSettings(settings: SimSettings): Promise<{ sim: Sim; kubeconfig: string }> {
  const log = createLogger({ level: settings.logLevel });
  const topology =
    settings.nodes === 7 ? demoTopology(settings.version) : scaleTopology(settings.nodes, settings.version);
  const sim = await startSim({ topology, timeScale: settings.timeScale, log, apiServer: { port: settings.port } });
  const kubeconfig = resolve(settings.kubeconfigOut);
  await mkdir(dirname(kubeconfig), { recursive: true });
  await copyFile(sim.kubeconfigPath, kubeconfig);
  return { sim, kubeconfig };
}

export function untilInterrupted(): Promise<string> {
  return new Promise((resolveSignal) => {
    const done = (signal: string): void => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolveSignal(signal);
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

export async function runSimCommand(argv: readonly string[], _env: Env, io: CliIo): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(SIM_HELP);
    return 0;
  }
  const parsed = parseSimSettings(argv);
  if (!parsed.ok) return usageError(io, "sim", parsed.error);
  const { sim, kubeconfig } = await startSimFromSettings(parsed.settings);
  io.stdout(
    `Simulated RKE2 cluster with ${parsed.settings.nodes} nodes is running (simulation: no containers run).\n` +
      `  export KUBECONFIG=${kubeconfig}\n  kubectl get nodes\n  kubectl get rke2\nCtrl-C stops it.\n`,
  );
  await untilInterrupted();
  await sim.stop();
  return 0;
}
