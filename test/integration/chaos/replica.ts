/**
 * Operator replicas as separate processes (`node src/main.ts operator`), each with its own
 * identity, against the kubeconfig of the lane (the sim's, or a real API server's). Short lease
 * timings keep a takeover within seconds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { OPERATOR_FLAGS } from "../../../src/config.ts";
import { FIELD_MANAGER } from "../../../src/runtime/kube/port.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { JOBS_NAMESPACE, OPERATOR_NAMESPACE } from "../../support/operator-config.ts";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
/** The chart's Lease name: the RBAC check (test/rbac) sees these replicas' requests too. */
export const CHAOS_LEASE = OPERATOR_FLAGS.leaseName.default;
export const LEASE_TIMING = { leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 };

export class Replica {
  readonly identity: string;
  readonly process: ChildProcess;
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;

  /** `kubeconfigPath`: the sim's `operatorKubeconfigPath` (the chart's ServiceAccount on the real lane). */
  constructor(identity: string, kubeconfigPath: string) {
    this.identity = identity;
    const flags = [
      "--kubeconfig",
      kubeconfigPath,
      "--namespace",
      OPERATOR_NAMESPACE,
      "--jobs-namespace",
      JOBS_NAMESPACE,
      "--listen-port",
      "0",
      "--lease-name",
      CHAOS_LEASE,
      "--lease-duration-seconds",
      String(LEASE_TIMING.leaseDurationSeconds),
      "--renew-deadline-seconds",
      String(LEASE_TIMING.renewDeadlineSeconds),
      "--retry-period-seconds",
      String(LEASE_TIMING.retryPeriodSeconds),
    ];
    this.process = spawn(process.execPath, [join(REPO_ROOT, "src/main.ts"), "operator", ...flags], {
      cwd: REPO_ROOT,
      env: { ...process.env, HOSTNAME: identity, KUBECONFIG: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [this.process.stdout, this.process.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => this.output.push(chunk));
    }
    this.exited = once(this.process, "exit").then(([code]) => code as number | null);
  }

  /** The User-Agent its requests carry (run.ts). */
  get userAgent(): string {
    return `${FIELD_MANAGER}/${this.identity}`;
  }

  /** The exit code once it exited (undefined before; -1 when a signal ended it). */
  exitCode(): number | undefined {
    if (this.process.signalCode !== null) return -1;
    return this.process.exitCode ?? undefined;
  }

  signal(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** Stops it (SIGCONT first, in case it is frozen) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    this.process.kill("SIGCONT");
    this.process.kill("SIGTERM");
    const timer = setTimeout(() => this.process.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  log(): string {
    return this.output.join("");
  }

  /**
   * The writes it says it sent while leading that were answered after leadership ended, or never
   * ("PATCH /path"): the only writes a deposed replica may still land (docs/decisions/fencing.md).
   */
  writesSentWhileLeading(): string[] {
    const writes: string[] = [];
    for (const line of this.log().split("\n")) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { write?: string; writesInFlight?: string[] };
      if (entry.write) writes.push(entry.write);
      writes.push(...(entry.writesInFlight ?? []));
    }
    return writes;
  }

  /** Its last `limit` log lines at warn level or above, for a failing test to show why. */
  warnings(limit: number): string {
    const lines = this.log()
      .split("\n")
      .filter((line) => /"level":"(warn|error|fatal)"/.test(line));
    return lines.slice(-limit).join("\n");
  }
}

export async function leaseHolder(port: KubePort): Promise<string> {
  return (await port.get<Lease>(LEASE_RESOURCE, CHAOS_LEASE, OPERATOR_NAMESPACE))?.spec?.holderIdentity ?? "";
}
