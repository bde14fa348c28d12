/**
 * Process wiring of the certificate subcommands (the effects cli.ts hands them): the in-cluster
 * API client and SIGTERM handling for the inventory DaemonSet, and the termination signal that
 * makes an interrupted `cert-rotate` start rke2 again before the container goes.
 */
import { loadKubeConnection } from "../../runtime/kube/kubeconfig.ts";
import { createKubePort } from "../../runtime/kube/adapter.ts";
import { systemClock } from "../../runtime/clock.ts";
import { nodeCertTreeFs } from "../../certs/scan.ts";
import { parseCertRotateArgs } from "../agent-args.ts";
import type { CertRotateResult } from "../results.ts";
import { certRotate, DEFAULT_RENEW_TIMEOUT_MS } from "./cert-rotate.ts";
import { parseCertInventoryArgs, resolveNamespace, runCertInventory } from "./cert-inventory.ts";
import type { HostContext } from "./host.ts";
import type { AgentLog } from "./snapshot.ts";

const TERMINATION_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** Runs `work` with an AbortSignal that SIGTERM/SIGINT abort (instead of killing the process). */
export async function withTerminationSignal<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (): void => {
    controller.abort();
  };
  for (const name of TERMINATION_SIGNALS) process.once(name, onSignal);
  try {
    return await work(controller.signal);
  } finally {
    for (const name of TERMINATION_SIGNALS) process.off(name, onSignal);
  }
}

/** The `cert-rotate` table entry: parse, then rotate with the real clock and filesystem. */
export async function certRotateCommand(
  argv: readonly string[],
  host: HostContext,
  log: AgentLog,
): Promise<CertRotateResult | { usage: string; action: "cert-rotate" }> {
  const parsed = parseCertRotateArgs(argv);
  if (!parsed.ok) return { usage: parsed.error, action: "cert-rotate" };
  return withTerminationSignal((signal) =>
    certRotate(host, parsed.options, log, {
      certFs: nodeCertTreeFs,
      clock: systemClock,
      signal,
      renewTimeoutMs: DEFAULT_RENEW_TIMEOUT_MS,
      pollMs: 5000,
    }),
  );
}

/**
 * `node-agent cert-inventory`: runs until SIGTERM; 2 on bad flags or a missing NODE_NAME, 1 when it
 * cannot reach the API.
 */
export async function runCertInventoryCommand(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: { stdout(t: string): void; stderr(t: string): void },
  hostRoot: string,
): Promise<0 | 1 | 2> {
  const parsed = parseCertInventoryArgs(argv.slice(2));
  const node = env.NODE_NAME;
  if (!parsed.ok || !node) {
    io.stderr(
      "node-agent cert-inventory: " +
        (parsed.ok ? "NODE_NAME is not set (the DaemonSet sets it from spec.nodeName)" : parsed.error) +
        "\n",
    );
    return 2;
  }
  let port;
  try {
    port = createKubePort(
      await loadKubeConnection({}, { env: { ...env }, homeDir: env.HOME ?? "/", serviceAccountPrefix: "" }),
      { clock: systemClock },
    );
  } catch (err) {
    io.stderr(`node-agent cert-inventory: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const namespace = await resolveNamespace(parsed.flags.namespace);
  const dataDir = `${hostRoot}${parsed.flags.dataDir}`;
  io.stdout(`cert-inventory: node ${node}, reading ${dataDir}, reporting to ${namespace}/cert-inventory-${node}\n`);
  await withTerminationSignal((signal) =>
    runCertInventory({
      port,
      clock: systemClock,
      certFs: nodeCertTreeFs,
      dataDir,
      node,
      namespace,
      scanIntervalMs: parsed.flags.scanIntervalMs,
      log: (line) => {
        io.stdout(`${line}\n`);
      },
      signal,
    }),
  );
  return 0;
}
