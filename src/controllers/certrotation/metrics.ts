/**
 * The inventory as metrics:
 * - `rke2_lifecycle_certificate_expiry_timestamp_seconds{node,file}`: every certificate file of
 *   every node that reports, CAs included, whether or not a CertRotation selects it; read from the
 *   inventory cache at each scrape, so it goes when a report or its Node goes.
 * - `rke2_lifecycle_certificates_expiring{certrotation,severity}`: certificate files of the
 *   selected nodes within the CertRotation's warnBefore / criticalBefore; it flips when the
 *   ExpiringSoon condition does, at the thresholds the CertRotation configures.
 */
import { Gauge, type Registry } from "prom-client";
import type { NodeInventory } from "../../certs/inventory-lease.ts";
import { METRIC_PREFIX } from "../../observability/metrics.ts";
import type { GaugeSample } from "../../observability/scraped-gauge.ts";

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

const seconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * Pure: the expiry series of every certificate file (CAs included) of every reporting node that
 * still exists, notAfter in seconds. The gauge reads them at each scrape, so a report that changes
 * or a Node that goes is reflected at the next scrape with nothing to keep in step.
 */
export function* expirySamples(
  inventories: Iterable<NodeInventory>,
  nodeExists: (name: string) => boolean,
): Generator<GaugeSample<"node" | "file">> {
  for (const inventory of inventories) {
    if (!nodeExists(inventory.node)) continue;
    for (const cert of inventory.report?.certificates ?? [])
      yield { labels: { node: inventory.node, file: cert.file }, value: seconds(cert.notAfterMs) };
  }
}
