/**
 * The certificate inventory DaemonSet of the simulated cluster: every node's pod rescans its
 * certificates (here: the node's in-memory certificate set) every scan interval and publishes
 * through the API, with the product's own reporter and Lease writer, exactly what
 * `node-agent cert-inventory` publishes on a real node. A client of the API only.
 */
import { RKE2_DATA_DIR, relativeToDataDir } from "../../certs/layout.ts";
import { DEFAULT_SCAN_INTERVAL_MS } from "../../certs/interval.ts";
import { InventoryReporter, readReportInterval } from "../../certs/reporter.ts";
import type { InventoryReport } from "../../certs/report.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { CertificateSet } from "./certificates.ts";

/** The chart's namespace of node Jobs and the inventory DaemonSet. */
export const SIM_INVENTORY_NAMESPACE = "rke2-lifecycle-jobs";
/** Below this a compressed scan interval costs more CPU than it shows. */
const MIN_SCAN_INTERVAL_MS = 250;
const PUBLISH_CONCURRENCY = 16;

export interface InventoryNode {
  readonly name: string;
  readonly certificates: CertificateSet;
}

export interface SimCertInventoryOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  namespace: string;
  timeScale: number;
  nodes: () => Iterable<InventoryNode>;
}

/** What the DaemonSet pod would read from the node's files. */
export function reportOfCertificateSet(certificates: CertificateSet, nowMs: number): InventoryReport {
  return {
    scannedAtMs: nowMs,
    certificates: [...certificates.values()].map((cert) => ({
      file: relativeToDataDir(cert.file, RKE2_DATA_DIR),
      notAfterMs: cert.notAfter,
      isCA: cert.isCA,
    })),
    errors: [],
  };
}

export function scaledScanIntervalMs(timeScale: number): number {
  return Math.max(MIN_SCAN_INTERVAL_MS, Math.round(DEFAULT_SCAN_INTERVAL_MS * timeScale));
}

export class SimCertInventory {
  private readonly options: SimCertInventoryOptions;
  private readonly reporters = new Map<string, InventoryReporter>();
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  /** The CertRotations' interval, read at most once per round and only when a node publishes. */
  private roundInterval: Promise<number> | undefined;

  constructor(options: SimCertInventoryOptions) {
    this.options = options;
  }

  /** Publishes every node's first report, then rescans on a timer. */
  async start(): Promise<void> {
    await this.round();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.options.clock.setTimer(scaledScanIntervalMs(this.options.timeScale), () => {
      void this.round().finally(() => {
        this.schedule();
      });
    });
  }

  private reporterOf(node: string): InventoryReporter {
    let reporter = this.reporters.get(node);
    if (!reporter) {
      const { port, namespace } = this.options;
      reporter = new InventoryReporter({
        port,
        namespace,
        node,
        readInterval: () => (this.roundInterval ??= readReportInterval(port)),
      });
      this.reporters.set(node, reporter);
    }
    return reporter;
  }

  private async round(): Promise<void> {
    this.roundInterval = undefined;
    const pending = [...this.options.nodes()];
    const workers = Array.from({ length: Math.min(PUBLISH_CONCURRENCY, pending.length) }, async () => {
      for (let node = pending.shift(); node && !this.stopped; node = pending.shift()) {
        const now = this.options.clock.now();
        try {
          await this.reporterOf(node.name).offer(reportOfCertificateSet(node.certificates, now), now);
        } catch (err) {
          this.options.log.debug({ err, node: node.name }, "certificate inventory report failed; retrying next scan");
        }
      }
    });
    await Promise.all(workers);
  }
}
