/** Builders for the CertRotation controller's pure functions. */
import type { NodeInventory } from "../../../../src/certs/inventory-lease.ts";
import type { CertificateEntry } from "../../../../src/certs/report.ts";
import { assessNode, type NodeAssessment, type Thresholds } from "../../../../src/controllers/certrotation/assess.ts";
import type { Tier } from "../../../../src/rke2/roles.ts";

export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 2, 1);
export const THRESHOLDS: Thresholds = { renewBeforeMs: 30 * DAY, warnBeforeMs: 28 * DAY, criticalBeforeMs: 14 * DAY };

export const leaf = (file: string, days: number): CertificateEntry => ({
  file,
  notAfterMs: NOW + days * DAY,
  isCA: false,
});
export const ca = (file: string, days: number): CertificateEntry => ({
  file,
  notAfterMs: NOW + days * DAY,
  isCA: true,
});

/** A fresh report of `certificates`, scanned at `scannedAtMs`. */
export function inventory(node: string, certificates: CertificateEntry[], scannedAtMs = NOW): NodeInventory {
  return {
    node,
    report: { scannedAtMs, certificates, errors: [] },
    problem: undefined,
    renewedAtMs: scannedAtMs,
    staleAfterMs: scannedAtMs + 12 * 3_600_000,
  };
}

/** A node with healthy CAs and leaves expiring in `leafDays`. */
export function typicalNode(node: string, leafDays: number): CertificateEntry[] {
  return [
    ca("server/tls/server-ca.crt", 3000),
    leaf("server/tls/client-admin.crt", leafDays),
    leaf("agent/client-kubelet.crt", 300),
  ];
}

export function assessed(
  node: string,
  certificates: CertificateEntry[] | undefined,
  tier: Tier = "etcd",
): NodeAssessment {
  return assessNode({ name: node, tier }, certificates ? inventory(node, certificates) : undefined, THRESHOLDS, NOW);
}
