/**
 * The inventory as metrics (thin effects over pure diffs):
 * - `rke2_lifecycle_certificate_expiry_timestamp_seconds{node,file}`: every certificate file of
 *   every node that reports, CAs included, whether or not a CertRotation selects it. Kept in step
 *   with the inventory Leases incrementally (a report's gauges are rewritten only when its Lease
 *   changed), and dropped for nodes that no longer exist.
 * - `rke2_lifecycle_certificates_expiring{certrotation,severity}`: certificate files of the
 *   selected nodes within the CertRotation's warnBefore / criticalBefore; it flips when the
 *   ExpiringSoon condition does, at the thresholds the CertRotation configures.
 */
import { Gauge, type Registry } from "prom-client";
import type { NodeInventory } from "../../certs/inventory-lease.ts";
import { METRIC_PREFIX, type OperatorMetrics } from "../../observability/metrics.ts";

export const EXPIRING_METRIC = `${METRIC_PREFIX}certificates_expiring`;
export const SEVERITIES = ["warning", "critical"] as const;

/** One gauge per registry, however many controller instances a leadership change creates. */
export function expiringGauge(registry: Registry): Gauge<"certrotation" | "severity"> {
  const existing = registry.getSingleMetric(EXPIRING_METRIC);
  if (existing instanceof Gauge) return existing;
  return new Gauge({
    name: EXPIRING_METRIC,
    help: "Certificate files of a CertRotation's nodes within its warnBefore (severity=warning) or criticalBefore (severity=critical).",
    labelNames: ["certrotation", "severity"],
    registers: [registry],
  });
}

export interface ExportedNode {
  /** Identity of the Lease version exported (its resourceVersion). */
  version: string;
  files: Map<string, number>;
}

export interface ExpiryUpdate {
  set: { node: string; file: string; seconds: number }[];
  remove: { node: string; file: string }[];
}

/** Pure: what to change so the gauges match `current` (node -> [lease version, inventory]). */
export function diffExpiry(exported: ReadonlyMap<string, ExportedNode>, current: ReadonlyMap<string, { version: string; inventory: NodeInventory }>): ExpiryUpdate {
  const update: ExpiryUpdate = { set: [], remove: [] };
  for (const [node, before] of exported) {
    const now = current.get(node);
    if (!now) for (const file of before.files.keys()) update.remove.push({ node, file });
  }
  for (const [node, { version, inventory }] of current) {
    const before = exported.get(node);
    if (before?.version === version) continue;
    const files = new Map((inventory.report?.certificates ?? []).map((cert) => [cert.file, Math.floor(cert.notAfterMs / 1000)]));
    for (const [file, seconds] of files) if (before?.files.get(file) !== seconds) update.set.push({ node, file, seconds });
    for (const file of before?.files.keys() ?? []) if (!files.has(file)) update.remove.push({ node, file });
  }
  return update;
}

export class CertificateExpiryExporter {
  private readonly metrics: OperatorMetrics;
  private readonly exported = new Map<string, ExportedNode>();

  constructor(metrics: OperatorMetrics) {
    this.metrics = metrics;
  }

  /** `current`: the inventory of nodes that exist, keyed by node, with the Lease's resourceVersion. */
  sync(current: ReadonlyMap<string, { version: string; inventory: NodeInventory }>): void {
    const update = diffExpiry(this.exported, current);
    for (const { node, file } of update.remove) this.metrics.certificateExpiry.remove({ node, file });
    for (const { node, file, seconds } of update.set) this.metrics.certificateExpiry.set({ node, file }, seconds);
    for (const node of this.exported.keys()) if (!current.has(node)) this.exported.delete(node);
    for (const [node, { version, inventory }] of current) {
      if (this.exported.get(node)?.version === version) continue;
      this.exported.set(node, { version, files: new Map((inventory.report?.certificates ?? []).map((cert) => [cert.file, Math.floor(cert.notAfterMs / 1000)])) });
    }
  }
}
