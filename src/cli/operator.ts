import { OPERATOR_FLAGS, parseOperatorConfig } from "../config.ts";
import { flagUsage, type Env } from "../flags.ts";
import { createLogger } from "../observability/logger.ts";
import { runOperator } from "../operator/run.ts";
import { KubeConfigError } from "../runtime/kube/kubeconfig-error.ts";
import { buildInfo } from "../version.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

export const OPERATOR_HELP = `Usage: ${PROGRAM} operator [flags]

Runs the controllers against the cluster of the current kubeconfig (or the pod's service account
with --in-cluster). With leader election on, only the replica holding the Lease acts.
Serves /healthz, /readyz and /metrics on --listen-port. SIGTERM stops taking work, lets
in-flight reconciles finish, releases the Lease and exits 0.

Flags (each also from its environment variable):
${flagUsage(OPERATOR_FLAGS)}
`;

const SHUTDOWN_SIGNALS = ["SIGTERM", "SIGINT"] as const;

export async function runOperatorCommand(argv: readonly string[], env: Env, io: CliIo): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(OPERATOR_HELP);
    return 0;
  }
  const parsed = parseOperatorConfig(argv, env);
  if (!parsed.ok) return usageError(io, "operator", parsed.error);
  const log = createLogger({ level: parsed.config.logLevel });
  log.info(buildInfo(), "rke2-lifecycle-operator starting");
  let operator;
  try {
    operator = await runOperator(parsed.config, { log });
  } catch (err) {
    // A kubeconfig problem is the user's to fix and its message says how: one line, no stack trace.
    if (!(err instanceof KubeConfigError)) log.fatal({ err }, "operator failed to start");
    io.stderr(`${PROGRAM} operator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const stopOnSignal = (signal: string): void => {
    log.info({ signal }, "shutting down");
    operator.stop().catch((err: unknown) => {
      log.error({ err }, "shutdown failed");
    });
  };
  for (const signal of SHUTDOWN_SIGNALS) process.once(signal, stopOnSignal);
  const outcome = await operator.finished;
  for (const signal of SHUTDOWN_SIGNALS) process.off(signal, stopOnSignal);
  if (outcome === "lost-lease") {
    // As client-go's convention: exit so the replica restarts clean and campaigns again.
    // Writes that left before the fence closed may still land (docs/decisions/fencing.md): name them.
    log.error({ writesInFlight: operator.writesInFlight() }, "lost the leader lease; exiting");
    await operator.stop();
    return 1;
  }
  return 0;
}
