import { describe, expect, it } from "@jest/globals";
import {
  CERTIFICATES_ANNOTATION,
  INVENTORY_LABEL_SELECTOR,
  inventoryLeaseName,
  isStale,
  publishInventory,
  readInventoryLease,
} from "../../../src/certs/inventory-lease.ts";
import type { InventoryReport } from "../../../src/certs/report.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const NS = "rke2-lifecycle-jobs";
const report = (scannedAt: string, notAfter = "2027-03-01T00:00:00Z"): InventoryReport => ({
  scannedAtMs: Date.parse(scannedAt),
  certificates: [{ file: "agent/client-kubelet.crt", notAfterMs: Date.parse(notAfter), isCA: false }],
  errors: [],
});

describe("the inventory Lease", () => {
  it("is created on the first report, owned by the Node, and patched in place afterwards", async () => {
    const port = new MemoryKubePort();
    const first = await publishInventory(port, {
      namespace: NS,
      node: "agent-1",
      report: report("2026-03-01T00:00:00Z"),
      leaseDurationSeconds: 43_260,
      nodeUid: "uid-1",
    });
    expect(first.metadata.name).toBe("cert-inventory-agent-1");
    expect(first.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: "agent-1", uid: "uid-1" }]);
    expect(first.spec).toMatchObject({
      holderIdentity: "agent-1",
      leaseDurationSeconds: 43_260,
      renewTime: "2026-03-01T00:00:00.000000Z",
      acquireTime: "2026-03-01T00:00:00.000000Z",
    });
    await publishInventory(port, {
      namespace: NS,
      node: "agent-1",
      report: report("2026-03-01T06:00:00Z", "2027-09-01T00:00:00Z"),
      leaseDurationSeconds: 43_260,
    });
    const listed = (await port.list<Lease>(LEASE_RESOURCE, { namespace: NS, labelSelector: INVENTORY_LABEL_SELECTOR }))
      .items;
    expect(listed).toHaveLength(1);
    const read = listed[0] && readInventoryLease(listed[0]);
    expect(read?.renewedAtMs).toBe(Date.parse("2026-03-01T06:00:00Z"));
    expect(read?.staleAfterMs).toBe(Date.parse("2026-03-01T06:00:00Z") + 43_260_000);
    expect(read?.report?.certificates[0]?.notAfterMs).toBe(Date.parse("2027-09-01T00:00:00Z"));
    expect(listed[0]?.spec?.acquireTime).toBe("2026-03-01T00:00:00.000000Z");
    expect(port.requestCount("mergePatch", "leases")).toBe(2);
    expect(port.requestCount("create", "leases")).toBe(1);
  });

  it("reads a garbled report as a problem, not a crash, and a Lease without holder as nothing", () => {
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "cert-inventory-x", annotations: { [CERTIFICATES_ANNOTATION]: "{" } },
      spec: { holderIdentity: "x", renewTime: "2026-03-01T00:00:00.000000Z", leaseDurationSeconds: 60 },
    };
    expect(readInventoryLease(lease)).toMatchObject({
      node: "x",
      report: undefined,
      problem: "the certificate report is not JSON",
    });
    expect(readInventoryLease({ ...lease, spec: {} })).toBeUndefined();
  });

  it("is stale once its duration passed without a renewal", () => {
    expect(isStale({ staleAfterMs: 1000 }, 1000)).toBe(false);
    expect(isStale({ staleAfterMs: 1000 }, 1001)).toBe(true);
  });

  it("has a valid name for any node name", () => {
    expect(inventoryLeaseName("server-1")).toBe("cert-inventory-server-1");
    const long = `${"a".repeat(120)}.${"b".repeat(120)}.example.com`;
    const name = inventoryLeaseName(long);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^cert-inventory-a+.*-[0-9a-f]{10}$/);
    expect(inventoryLeaseName(`${long}x`)).not.toBe(name);
  });
});
