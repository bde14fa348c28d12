import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import {
  DEFAULT_REPORT_INTERVAL_MS,
  leaseDurationSeconds,
  MIN_REPORT_INTERVAL_MS,
  reportIntervalMs,
} from "../../../src/certs/interval.ts";
import { InventoryReporter, publishDue } from "../../../src/certs/reporter.ts";
import type { InventoryReport } from "../../../src/certs/report.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const H = 3_600_000;
const report = (scannedAtMs: number, notAfterMs = 1_900_000_000_000): InventoryReport => ({
  scannedAtMs,
  certificates: [{ file: "agent/client-kubelet.crt", notAfterMs, isCA: false }],
  errors: [],
});

describe("the report interval", () => {
  it.each([
    [[], DEFAULT_REPORT_INTERVAL_MS],
    [[{ spec: {} }], 6 * H],
    [[{ spec: { checkInterval: "2h" } }, { spec: { checkInterval: "30m" } }], 30 * 60_000],
    [[{ spec: { checkInterval: "1s" } }], MIN_REPORT_INTERVAL_MS],
    [[{ spec: { checkInterval: "bogus" } }, { spec: { checkInterval: "3h" } }], 3 * H],
  ])("from %j is %d ms", (crs, expected) => {
    expect(reportIntervalMs(crs)).toBe(expected);
  });

  it("lets a report go two renewals and a minute without counting as stale", () => {
    expect(leaseDurationSeconds(6 * H)).toBe(12 * 3600 + 60);
  });
});

describe("publishing only what is new", () => {
  it.each([
    ["nothing published yet", undefined, report(0), 0, true],
    ["same certificates, interval not over", { report: report(0), atMs: 0 }, report(H), H, false],
    ["same certificates, interval over", { report: report(0), atMs: 0 }, report(6 * H), 6 * H, true],
    ["a certificate changed", { report: report(0), atMs: 0 }, report(60_000, 1_950_000_000_000), 60_000, true],
  ])("%s", (_name, last, scanned, now, due) => {
    expect(publishDue(last, scanned, now, 6 * H)).toBe(due);
  });

  it("writes the Lease on change and on the interval, reading the interval from the CertRotations", async () => {
    const port = new MemoryKubePort();
    await port.create(certRotationResource, {
      apiVersion: certRotationResource.apiVersion,
      kind: certRotationResource.kind,
      metadata: { name: "default" },
      spec: { checkInterval: "1h" },
    });
    await port.create(
      { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false },
      { apiVersion: "v1", kind: "Node", metadata: { name: "agent-1" } },
    );
    const reporter = new InventoryReporter({ port, namespace: "jobs", node: "agent-1" });
    expect(await reporter.offer(report(0), 0)).toBe("published");
    expect(reporter.currentIntervalMs).toBe(H);
    expect(await reporter.offer(report(60_000), 60_000)).toBe("unchanged");
    expect(await reporter.offer(report(120_000, 1_950_000_000_000), 120_000)).toBe("published");
    expect(await reporter.offer(report(H + 120_000, 1_950_000_000_000), H + 120_000)).toBe("published");
    const lease = await port.get<Lease>(LEASE_RESOURCE, "cert-inventory-agent-1", "jobs");
    expect(lease?.spec?.leaseDurationSeconds).toBe(2 * 3600 + 60);
    expect(lease?.metadata.ownerReferences?.[0]?.name).toBe("agent-1");
    expect(port.requestCount("list", "certrotations")).toBe(3);
  });

  it("keeps its state when a write fails, so the next scan publishes again", async () => {
    const port = new MemoryKubePort();
    const reporter = new InventoryReporter({
      port,
      namespace: "jobs",
      node: "agent-1",
      readInterval: () => Promise.resolve(H),
    });
    port.failNext("mergePatch", new KubeError("Retriable", "connection refused", { code: 0 }));
    await expect(reporter.offer(report(0), 0)).rejects.toThrow("connection refused");
    expect(await reporter.offer(report(60_000), 60_000)).toBe("published");
  });
});
