/**
 * The inventory as metrics (thin effects over pure diffs):
 * - `rke2_lifecycle_certificate_expiry_timestamp_seconds{node,file}`: every certificate file of
 *   every node that reports, CAs included, whether or not a CertRotation selects it; updated from
 *   the inventory Leases' watch events, dropped when a report or its Node goes.
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
    help:
      "Certificate files of a CertRotation's nodes within its warnBefore (severity=warning) " +
      "or criticalBefore (severity=critical).",
    labelNames: ["certrotation", "severity"],
    registers: [registry],
  });
}

export interface ExpiryUpdate {
  set: { file: string; seconds: number }[];
  remove: string[];
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** Pure: what to change so a node's gauges match its report (`undefined`: the node is gone). */
export function diffExpiry(exported: ReadonlyMap<string, number>, inventory: NodeInventory | undefined): ExpiryUpdate {
  const files = new Map((inventory?.report?.certificates ?? []).map((cert) => [cert.file, seconds(cert.notAfterMs)]));
  return {
    set: [...files]
      .filter(([file, value]) => exported.get(file) !== value)
      .map(([file, value]) => ({ file, seconds: value })),
    remove: [...exported.keys()].filter((file) => !files.has(file)),
  };
}

/**
 * Keeps `certificate_expiry_timestamp_seconds` in step with the inventory Leases, one node at a
 * time as they change, so the metric exists for every reporting node whether or not a
 * CertRotation selects it, and costs nothing per reconcile at 5,000 nodes.
 */
export class CertificateExpiryExporter {
  private readonly metrics: OperatorMetrics;
  private readonly exported = new Map<string, Map<string, number>>();

  constructor(metrics: OperatorMetrics) {
    this.metrics = metrics;
  }

  /** `inventory` undefined: the node (or its report) is gone. */
  update(node: string, inventory: NodeInventory | undefined): void {
    const before = this.exported.get(node) ?? new Map<string, number>();
    const change = diffExpiry(before, inventory);
    for (const file of change.remove) {
      this.metrics.certificateExpiry.remove({ node, file });
      before.delete(file);
    }
    for (const { file, seconds: value } of change.set) {
      this.metrics.certificateExpiry.set({ node, file }, value);
      before.set(file, value);
    }
    if (before.size === 0) this.exported.delete(node);
    else this.exported.set(node, before);
  }
}
