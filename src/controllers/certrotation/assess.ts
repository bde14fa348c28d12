/**
 * What the inventory says about the selected nodes, pure: per node its earliest certificate, the
 * leaf certificates inside renewBefore (which make it due for rotation) and the certificates
 * inside warnBefore / criticalBefore (which drive ExpiringSoon and the alerts); over the cluster
 * the earliest expiry and the next moment one of those verdicts changes by time alone, so the
 * controller wakes exactly then instead of polling.
 */
import { isStale, type NodeInventory } from "../../certs/inventory-lease.ts";
import type { CertificateEntry } from "../../certs/report.ts";
import type { Tier } from "../../rke2/roles.ts";

export interface Thresholds {
  renewBeforeMs: number;
  warnBeforeMs: number;
  criticalBeforeMs: number;
}

export type InventoryState = "reported" | "stale" | "missing" | "unreadable";

export interface NodeAssessment {
  name: string;
  tier: Tier;
  inventory: InventoryState;
  /** Why the inventory is not usable (stale, unreadable, unreadable files). */
  problem: string | undefined;
  /** Every certificate of the last report (a stale report still says what is on disk). */
  certificates: CertificateEntry[];
  earliest: CertificateEntry | undefined;
  /** Leaf certificates expiring within renewBefore: the node is due for rotation. */
  expiringLeaves: CertificateEntry[];
  /** Any certificate (CAs too) within warnBefore, and within criticalBefore. */
  warning: CertificateEntry[];
  critical: CertificateEntry[];
}

export interface NodeRef {
  name: string;
  tier: Tier;
}

function byExpiry(a: CertificateEntry, b: CertificateEntry): number {
  return a.notAfterMs - b.notAfterMs || a.file.localeCompare(b.file);
}

export function assessNode(
  node: NodeRef,
  inventory: NodeInventory | undefined,
  thresholds: Thresholds,
  nowMs: number,
): NodeAssessment {
  const certificates = [...(inventory?.report?.certificates ?? [])].sort(byExpiry);
  const within = (ms: number, list: readonly CertificateEntry[]): CertificateEntry[] =>
    list.filter((cert) => cert.notAfterMs - nowMs <= ms);
  let state: InventoryState = "reported";
  let problem: string | undefined;
  if (!inventory) {
    state = "missing";
    problem = "no certificate inventory report (is the cert-inventory DaemonSet running on it?)";
  } else if (!inventory.report) {
    state = "unreadable";
    problem = inventory.problem;
  } else if (isStale(inventory, nowMs)) {
    state = "stale";
    problem = `certificate inventory report not renewed since ${new Date(inventory.renewedAtMs).toISOString()}`;
  } else if (inventory.report.errors.length > 0) {
    const first = inventory.report.errors[0];
    problem =
      `${inventory.report.errors.length} certificate file(s) unreadable, ` +
      `e.g. ${first?.file ?? ""}: ${first?.error ?? ""}`;
  }
  return {
    name: node.name,
    tier: node.tier,
    inventory: state,
    problem,
    certificates,
    earliest: certificates[0],
    expiringLeaves: within(
      thresholds.renewBeforeMs,
      certificates.filter((cert) => !cert.isCA),
    ),
    warning: within(thresholds.warnBeforeMs, certificates),
    critical: within(thresholds.criticalBeforeMs, certificates),
  };
}

export function needsRotation(node: Pick<NodeAssessment, "expiringLeaves">): boolean {
  return node.expiringLeaves.length > 0;
}

export interface ClusterAssessment {
  nodes: NodeAssessment[];
  earliest: { node: string; file: string; notAfterMs: number } | undefined;
  /** Certificate files (CAs too) within warnBefore / criticalBefore, over all selected nodes. */
  warningCount: number;
  criticalCount: number;
  /** The next time a threshold is crossed by the passing of time alone. */
  nextCrossingMs: number | undefined;
}

export function assessCluster(
  nodes: readonly NodeAssessment[],
  thresholds: Thresholds,
  nowMs: number,
): ClusterAssessment {
  let earliest: ClusterAssessment["earliest"];
  let nextCrossingMs: number | undefined;
  let warningCount = 0;
  let criticalCount = 0;
  for (const node of nodes) {
    warningCount += node.warning.length;
    criticalCount += node.critical.length;
    if (node.earliest && (!earliest || node.earliest.notAfterMs < earliest.notAfterMs)) {
      earliest = { node: node.name, file: node.earliest.file, notAfterMs: node.earliest.notAfterMs };
    }
    for (const cert of node.certificates) {
      const offsets = [
        cert.isCA ? undefined : thresholds.renewBeforeMs,
        thresholds.warnBeforeMs,
        thresholds.criticalBeforeMs,
        0,
      ];
      for (const offset of offsets) {
        if (offset === undefined) continue;
        const at = cert.notAfterMs - offset;
        // `notAfter - now <= offset` starts to hold at `at`; one that already holds is no crossing.
        if (at > nowMs && (nextCrossingMs === undefined || at < nextCrossingMs)) nextCrossingMs = at;
      }
    }
  }
  return { nodes: [...nodes], earliest, warningCount, criticalCount, nextCrossingMs };
}
