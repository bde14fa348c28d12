/**
 * The publishing half of an inventory reporter, shared by the node-agent DaemonSet and the
 * simulated cluster: given a fresh scan, publish when the certificates changed or the last
 * report is a report interval old; otherwise do nothing (no API call). The interval is read from
 * the CertRotations at each publication.
 */
import { certRotationResource, type CertRotation } from "../api/certrotation.ts";
import { NODE_RESOURCE } from "../runtime/kube/core-resources.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import { publishInventory } from "./inventory-lease.ts";
import { DEFAULT_REPORT_INTERVAL_MS, leaseDurationSeconds, reportIntervalMs } from "./interval.ts";
import { sameContent, type InventoryReport } from "./report.ts";

export interface ReporterOptions {
  port: KubePort;
  namespace: string;
  node: string;
  /** Where the interval comes from; default: list the CertRotations through `port`. */
  readInterval?: () => Promise<number>;
}

/** The Node's uid, for the Lease's ownerReference; undefined when it cannot be read (no RBAC yet). */
export async function readNodeUid(port: KubePort, node: string): Promise<string | undefined> {
  try {
    return (await port.get<KubeObject>(NODE_RESOURCE, node))?.metadata.uid;
  } catch {
    return undefined;
  }
}

export type PublishOutcome = "published" | "unchanged";

/** Lists the CertRotations and returns the shortest checkInterval (read-only, cluster-scoped). */
export async function readReportInterval(port: KubePort): Promise<number> {
  const list = await port.list<CertRotation>(certRotationResource);
  return reportIntervalMs(list.items);
}

/** Pure: publish when nothing was published yet, the content changed, or the interval passed. */
export function publishDue(
  last: { report: InventoryReport; atMs: number } | undefined,
  scanned: InventoryReport,
  nowMs: number,
  intervalMs: number,
): boolean {
  if (!last) return true;
  return !sameContent(last.report, scanned) || nowMs - last.atMs >= intervalMs;
}

export class InventoryReporter {
  private readonly options: ReporterOptions;
  private last: { report: InventoryReport; atMs: number } | undefined;
  private intervalMs = DEFAULT_REPORT_INTERVAL_MS;
  private nodeUid: string | undefined;

  constructor(options: ReporterOptions) {
    this.options = options;
  }

  /** The interval learned at the last publication. */
  get currentIntervalMs(): number {
    return this.intervalMs;
  }

  /** Publishes `scanned` if due; a failed write leaves the state as it was, so the next scan retries. */
  async offer(scanned: InventoryReport, nowMs: number): Promise<PublishOutcome> {
    if (!publishDue(this.last, scanned, nowMs, this.intervalMs)) return "unchanged";
    const { port, namespace, node } = this.options;
    try {
      this.intervalMs = await (this.options.readInterval ?? (() => readReportInterval(port)))();
    } catch {
      // The CRD may not be installed yet, or RBAC lags: keep the interval we had and still report.
    }
    this.nodeUid ??= await readNodeUid(port, node);
    await publishInventory(port, {
      namespace,
      node,
      report: scanned,
      leaseDurationSeconds: leaseDurationSeconds(this.intervalMs),
      ...(this.nodeUid ? { nodeUid: this.nodeUid } : {}),
    });
    this.last = { report: scanned, atMs: nowMs };
    return "published";
  }
}
