/**
 * The node-agent's `cert-rotate`, what RKE2 documents for manual rotation, done on the node:
 *
 *   servers: systemctl stop rke2-server -> rke2 certificate rotate [--service a --service b] -> remove the
 *            kube-controller-manager / kube-scheduler self-signed serving certs (RKE2 does not
 *            manage them; they expire and break the health probes) -> systemctl start rke2-server
 *   agents:  systemctl stop rke2-agent -> rke2 certificate rotate (releases since 2024 accept it
 *            on agents: they back up and delete agent/client-*.crt, serving-kubelet.crt) ->
 *            systemctl start rke2-agent. Every agent start fetches its kubelet, kube-proxy and
 *            rke2-controller certificates from a server, which signs them anew (k3s
 *            `pkg/agent/config`, `ServingKubeletCert`), so on older releases whose rotate refuses
 *            to run on an agent the restart alone renews them.
 *
 * Then it waits until the renewed files are on disk with a later expiry: a rotation that left a
 * certificate unchanged is a failure, not a success. rke2 is always started again, whatever
 * failed in between (and when the Job is terminated, see `signal`).
 */
import type { CertRotateOptions } from "../agent-args.ts";
import type { CertRotateResult } from "../results.ts";
import { renewedByRotation, RKE2_DATA_DIR, serviceOfFile, UNMANAGED_SERVING_CERT_DIRS } from "../../certs/layout.ts";
import type { CertificateEntry, InventoryReport } from "../../certs/report.ts";
import { scanCertificates, type CertTreeFs } from "../../certs/scan.ts";
import type { Clock } from "../../runtime/clock.ts";
import { findRke2Binary, HOST_NAMESPACES_PREFIX, runRke2, type CommandResult, type HostContext } from "./host.ts";
import type { AgentLog } from "./snapshot.ts";

/** Services whose certificates an agent holds (k3s `services.Agent`). */
export const AGENT_SERVICES: readonly string[] = ["kubelet", "kube-proxy", "rke2-controller"];

export type Rke2Role = "server" | "agent";

export interface CertRotateDeps {
  certFs: CertTreeFs;
  clock: Clock;
  /** Aborted when the Job is being terminated: stop waiting, rke2 is started anyway. */
  signal?: AbortSignal;
  /** How long rke2 may take to write the renewed certificates after its start. */
  renewTimeoutMs: number;
  pollMs: number;
}

export const DEFAULT_RENEW_TIMEOUT_MS = 10 * 60_000;

function hostCommand(host: HostContext, argv: readonly string[]): Promise<CommandResult> {
  return host.runner.run([...HOST_NAMESPACES_PREFIX, ...argv], host.env);
}

/** Which rke2 unit runs here: the active one, else the enabled one (rke2 may be down already). */
export async function detectRole(host: HostContext): Promise<Rke2Role | undefined> {
  for (const check of ["is-active", "is-enabled"]) {
    for (const role of ["server", "agent"] as const) {
      if ((await hostCommand(host, ["systemctl", check, "--quiet", `rke2-${role}`])).exitCode === 0) return role;
    }
  }
  return undefined;
}

/** The services to pass on this node: agents hold only the agent services' certificates. */
export function servicesFor(role: Rke2Role, services: readonly string[]): { services: string[]; runRotate: boolean } {
  if (role === "server" || services.length === 0) return { services: [...services], runRotate: true };
  const agentServices = services.filter((service) => AGENT_SERVICES.includes(service));
  // Only server services asked for: nothing of theirs lives here; the restart still renews the agent's own.
  return { services: agentServices, runRotate: agentServices.length > 0 };
}

/**
 * `--service` once per service. k3s declares it a `StringSliceFlag`; RKE2 moved from urfave/cli
 * v1 to v2 in v1.31.8, v1.32.4 and v1.33.0. v1 keeps `a,b` as one value, which k3s's
 * `validateCertConfig` rejects ("service a,b is not recognized"), v2 splits it. A repeated flag
 * means the same to both generations (Rancher's planner passes `-s` per service too).
 */
export function rke2RotateArgs(services: readonly string[], dataDir?: string): string[] {
  const dir = dataDir !== undefined && dataDir !== RKE2_DATA_DIR ? ["--data-dir", dataDir] : [];
  return ["certificate", "rotate", ...services.flatMap((service) => ["--service", service]), ...dir];
}

/** `Successfully backed up certificates to /var/lib/rancher/rke2/server/tls-1740794400, please restart ...` */
export function backupDirOf(output: string): string | undefined {
  return /backed up certificates (?:for all services )?to (?:path )?(\/[^\s,"]+)/.exec(output)?.[1];
}

function lastLine(result: CommandResult): string {
  const lines = `${result.stdout}\n${result.stderr}`
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const last = lines.at(-1) ?? `exit code ${result.exitCode}`;
  return (/msg="([^"]*)"/.exec(last)?.[1] ?? last).slice(0, 500);
}

/**
 * Leaf files the rotation must renew: RKE2-managed leaf certificates of the rotated services (on
 * an agent, its agent/ files). The unmanaged controller-manager/scheduler certs are regenerated
 * by those components once they run; the operator's inventory check covers them.
 */
export function expectedRenewals(
  before: InventoryReport,
  role: Rke2Role,
  services: readonly string[],
): CertificateEntry[] {
  const unmanaged = Object.values(UNMANAGED_SERVING_CERT_DIRS);
  return before.certificates.filter(
    (cert) =>
      !cert.isCA &&
      serviceOfFile(cert.file) !== undefined &&
      !unmanaged.some((dir) => cert.file.startsWith(`${dir}/`)) &&
      (role === "server" || cert.file.startsWith("agent/")) &&
      renewedByRotation(cert.file, services),
  );
}

/** Files of `expected` that are missing or not renewed in `after`. */
export function notRenewed(expected: readonly CertificateEntry[], after: InventoryReport): CertificateEntry[] {
  const now = new Map(after.certificates.map((cert) => [cert.file, cert.notAfterMs]));
  return expected.filter((cert) => (now.get(cert.file) ?? -Infinity) <= cert.notAfterMs);
}

export async function certRotate(
  host: HostContext,
  options: CertRotateOptions,
  log: AgentLog,
  deps: CertRotateDeps,
): Promise<CertRotateResult> {
  const fail = (error: string): CertRotateResult => ({ ok: false, action: "cert-rotate", error });
  const binary = await findRke2Binary(host);
  if (binary === undefined) return fail("no rke2 binary on this node");
  const role = await detectRole(host);
  if (role === undefined) return fail("neither rke2-server nor rke2-agent is installed as a systemd unit here");
  const unit = `rke2-${role}`;
  // rke2 finds its data dir in its config file; it is passed along for the node-args case anyway.
  const rke2DataDir = options.dataDir ?? RKE2_DATA_DIR;
  const dataDir = `${host.hostRoot}${rke2DataDir}`;
  const scan = (): Promise<InventoryReport> => scanCertificates({ fs: deps.certFs, dataDir, nowMs: deps.clock.now() });
  const plan = servicesFor(role, options.services);
  const before = await scan();
  // Nothing found means a wrong data dir or mount: rotating blind could not be verified.
  if (before.certificates.length === 0) return fail(`no certificates found under ${rke2DataDir}; nothing was changed`);
  const expected = expectedRenewals(before, role, plan.services);

  const stopped = await hostCommand(host, ["systemctl", "stop", unit]);
  log(`systemctl stop ${unit} exited ${stopped.exitCode}`);
  if (stopped.exitCode !== 0) return fail(`cannot stop ${unit}: ${lastLine(stopped)}`);

  let rotateError: string | undefined;
  let backupDir: string | undefined;
  try {
    if (plan.runRotate) {
      const rotateArgs = rke2RotateArgs(plan.services, rke2DataDir);
      const rotated = await runRke2(host, binary, rotateArgs);
      log(`rke2 ${rotateArgs.join(" ")} exited ${rotated.exitCode}`);
      if (rotated.exitCode === 0) backupDir = backupDirOf(`${rotated.stdout}\n${rotated.stderr}`);
      else if (role === "server") rotateError = `rke2 certificate rotate failed: ${lastLine(rotated)}`;
      else
        log(`this rke2 release cannot rotate on an agent (${lastLine(rotated)}); the restart fetches new certificates`);
    }
    if (role === "server" && rotateError === undefined) {
      for (const [service, dir] of Object.entries(UNMANAGED_SERVING_CERT_DIRS)) {
        if (plan.services.length > 0 && !plan.services.includes(service)) continue;
        const removed = await hostCommand(host, ["rm", "-rf", "--", `${rke2DataDir}/${dir}`]);
        if (removed.exitCode !== 0) rotateError = `cannot remove ${rke2DataDir}/${dir}: ${lastLine(removed)}`;
      }
    }
  } finally {
    // Never leave rke2 stopped. --no-block: the unit is Type=notify with no start timeout, so a
    // blocking start could wait forever; the renewed files below are the proof it came up.
    const started = await hostCommand(host, ["systemctl", "start", "--no-block", unit]);
    log(`systemctl start ${unit} exited ${started.exitCode}`);
    if (started.exitCode !== 0) rotateError ??= `cannot start ${unit} again: ${lastLine(started)}`;
  }
  if (rotateError !== undefined) return fail(rotateError);

  const deadline = deps.clock.now() + deps.renewTimeoutMs;
  let missing = expected;
  for (;;) {
    try {
      missing = notRenewed(expected, await scan());
    } catch (err) {
      log(`scan failed while rke2 starts: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (missing.length === 0) break;
    if (deps.signal?.aborted || deps.clock.now() >= deadline) {
      const files = missing.map((cert) => cert.file).join(", ");
      const waited = (deps.renewTimeoutMs / 1000).toFixed(deps.renewTimeoutMs < 10_000 ? 1 : 0);
      return fail(`rke2 restarted, but these certificates were not renewed within ${waited}s: ${files}`.slice(0, 1500));
    }
    await deps.clock.sleep(deps.pollMs, deps.signal);
  }
  log(`${expected.length} certificate file(s) renewed`);
  return {
    ok: true,
    action: "cert-rotate",
    services: plan.services,
    ...(backupDir !== undefined ? { backupDir } : {}),
  };
}
