/**
 * How the commands for people (`plan`, ...) reach the user's cluster: kubectl's rules (--kubeconfig,
 * else KUBECONFIG, else ~/.kube/config; --context, else the current-context), through the same
 * KubePort the operator uses (docs/decisions/kube-client.md says why not kubernetes-fluent-client).
 * Writes go out with the User-Agent `rke2-lifecycle-cli`, so managedFields and audit logs name it.
 */
import { homedir } from "node:os";
import type { Env } from "../flags.ts";
import { createKubePort } from "../runtime/kube/adapter.ts";
import { isKubeError } from "../runtime/kube/errors.ts";
import { KubeConfigError, loadKubeConnection, NoKubeConfigError } from "../runtime/kube/kubeconfig.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { PROGRAM, type CliIo, type ExitCode } from "./usage.ts";

export const CLI_CLIENT = "rke2-lifecycle-cli";

export const CLUSTER_FLAGS = {
  kubeconfig: {
    type: "string",
    description: "kubeconfig file(s), joined like KUBECONFIG (default: KUBECONFIG, then ~/.kube/config)",
  },
  context: { type: "string", description: "the kubeconfig context to use (default: its current-context)" },
} as const;

export interface ClusterSession {
  port: KubePort;
  /** The API server's URL, for messages. */
  server: string;
}

/** Connects as kubectl would; a KubeConfigError says what to pass. */
export async function connectToCluster(
  flags: { kubeconfig?: string | undefined; context?: string | undefined },
  env: Env,
): Promise<ClusterSession> {
  const connection = await loadKubeConnection(
    {
      ...(flags.kubeconfig !== undefined ? { kubeconfigPath: flags.kubeconfig } : {}),
      ...(flags.context !== undefined ? { context: flags.context } : {}),
    },
    // As kubectl: with no kubeconfig at all, inside a pod, the pod's service account.
    { env, homeDir: env.HOME ?? homedir(), serviceAccountPrefix: "" },
  );
  const port = createKubePort(connection, { userAgent: CLI_CLIENT, requestTimeoutMs: 15_000 });
  return { port, server: connection.server };
}

/**
 * Connects as kubectl would and runs `act` with the session. A failure to reach or use the cluster
 * is one line on stderr, `<program> <command>: <why>`, and exit code 1; any other error is a bug
 * and is thrown.
 */
export async function withCluster(
  command: string,
  flags: { kubeconfig?: string | undefined; context?: string | undefined },
  env: Env,
  io: CliIo,
  act: (session: ClusterSession) => Promise<ExitCode>,
): Promise<ExitCode> {
  let session: ClusterSession | undefined;
  try {
    session = await connectToCluster(flags, env);
    return await act(session);
  } catch (err) {
    const message = describeClusterFailure(err, session?.server);
    if (message === undefined) throw err;
    io.stderr(`${PROGRAM} ${command}: ${message}\n`);
    return 1;
  }
}

/** One line for a failure to reach or use the cluster; undefined for an error that is a bug. */
export function describeClusterFailure(err: unknown, server: string | undefined): string | undefined {
  if (err instanceof NoKubeConfigError) {
    return "no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config (as for kubectl)";
  }
  if (err instanceof KubeConfigError) return err.message;
  if (!isKubeError(err)) return undefined;
  const at = server === undefined ? "" : ` at ${server}`;
  if (err.details.code === 0) return `cannot reach the Kubernetes API server${at}: ${innermostMessage(err)}`;
  if (err.errorClass === "Unauthorized") {
    return `the API server${at} refused the kubeconfig's credentials: ${err.message}`;
  }
  return `the API server${at} answered ${err.details.code}: ${err.message}`;
}

/** fetch's "fetch failed" hides the reason (ECONNREFUSED, a TLS error) in its cause chain. */
function innermostMessage(err: Error): string {
  let message = err.message;
  let current: unknown = err.cause;
  // Duck-typed: undici's errors may come from another realm, where instanceof Error is false.
  for (let depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const { message: inner, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof inner === "string" && inner !== "") message = inner;
    current = cause;
  }
  return message;
}
