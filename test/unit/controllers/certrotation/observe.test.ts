import { describe, expect, it } from "@jest/globals";
import { CERTIFICATES_ANNOTATION } from "../../../../src/certs/inventory-lease.ts";
import { encodeReport } from "../../../../src/certs/report.ts";
import {
  cachedInventoryLease,
  inventoryByNode,
  latestRotation,
  observeCertNodes,
  readInventoryCached,
} from "../../../../src/controllers/certrotation/observe.ts";
import { BEFORE_ANNOTATION } from "../../../../src/controllers/certrotation/verify.ts";
import { nodeJobName, type Job } from "../../../../src/nodeops/job.ts";
import { CLAIM_ANNOTATION, encodeClaim } from "../../../../src/rollout/claim.ts";
import type { Lease } from "../../../../src/runtime/lease.ts";
import { leaf, NOW } from "./fixtures.ts";

function lease(name: string, node: string, renewTime: string, rv: string): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name,
      resourceVersion: rv,
      annotations: {
        [CERTIFICATES_ANNOTATION]: encodeReport({
          scannedAtMs: Date.parse(renewTime),
          certificates: [leaf("agent/client-kubelet.crt", 10)],
          errors: [],
        }),
      },
    },
    spec: { holderIdentity: node, renewTime, leaseDurationSeconds: 600 },
  };
}

function job(node: string, attempt: number, complete: string | undefined, extra: Partial<Job["metadata"]> = {}): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: nodeJobName("cert-rotate", "default", node, `hash#${attempt}`),
      annotations: {
        [BEFORE_ANNOTATION]: JSON.stringify({ file: "agent/client-kubelet.crt", notAfter: "2026-03-11T00:00:00Z" }),
      },
      ...extra,
    },
    spec: { template: { spec: {} } },
    status: complete
      ? { completionTime: complete, conditions: [{ type: "Complete", status: "True" }] }
      : { conditions: [{ type: "Failed", status: "True" }] },
  };
}

describe("observing a CertRotation's world", () => {
  it("indexes the inventory by node, the freshest Lease winning", () => {
    const byNode = inventoryByNode([
      lease("cert-inventory-a", "a", "2026-03-01T00:00:00.000000Z", "5"),
      lease("cert-inventory-a-old", "a", "2026-02-01T00:00:00.000000Z", "3"),
      lease("cert-inventory-b", "b", "2026-03-01T00:00:00.000000Z", "4"),
    ]);
    expect([...byNode.keys()].sort()).toEqual(["a", "b"]);
    expect(byNode.get("a")?.renewedAtMs).toBe(Date.parse("2026-03-01T00:00:00Z"));
    expect(byNode.get("a")?.report?.certificates).toHaveLength(1);
  });

  it("caches of a Lease only its keys, and reads the same inventory from it as from the whole Lease", () => {
    const full = lease("cert-inventory-a", "a", "2026-03-01T00:00:00.000000Z", "5");
    full.metadata.annotations = { ...full.metadata.annotations, "other.example/x": "dropped" };
    Object.assign(full.metadata, { managedFields: [{ manager: "node-agent" }] });
    const slim = cachedInventoryLease(full);
    expect(slim.metadata).toEqual({ name: "cert-inventory-a", resourceVersion: "5" });
    expect(slim.spec).toBeUndefined();
    expect(readInventoryCached(slim)).toEqual(readInventoryCached(full));
    expect(readInventoryCached(slim)?.report?.certificates).toHaveLength(1);
    expect(inventoryByNode([slim]).get("a")?.report).toEqual(readInventoryCached(full)?.report);
  });

  it("reads nodes: selection, completion label, claim", () => {
    const claim = {
      owner: "CertRotation/default",
      target: "h",
      attempts: 1,
      wasUnschedulable: false,
      claimedAt: new Date(NOW).toISOString(),
    };
    const nodes = observeCertNodes(
      [
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name: "a",
            resourceVersion: "9",
            labels: { pool: "x", "rke2-lifecycle.io/certrotation.default": "h" },
            annotations: { [CLAIM_ANNOTATION]: encodeClaim(claim) },
          },
          spec: { unschedulable: true },
        },
        { apiVersion: "v1", kind: "Node", metadata: { name: "b", labels: { pool: "y" } } },
        {
          apiVersion: "v1",
          kind: "Node",
          metadata: { name: "win", labels: { pool: "x", "kubernetes.io/os": "windows" } },
        },
      ],
      { matchLabels: { pool: "x" } },
      "rke2-lifecycle.io/certrotation.default",
    );
    expect(nodes).toEqual([
      { name: "a", resourceVersion: "9", unschedulable: true, selected: true, doneHash: "h", claim },
      { name: "b", resourceVersion: "", unschedulable: false, selected: false, doneHash: undefined, claim: undefined },
      // A Windows agent: the node Jobs are Linux images, so it is never selected.
      {
        name: "win",
        resourceVersion: "",
        unschedulable: false,
        selected: false,
        doneHash: undefined,
        claim: undefined,
      },
    ]);
  });

  it("finds the latest succeeded rotation Job of a node for a target, with what it was to renew", () => {
    const jobs = [job("a", 1, "2026-03-01T00:10:00Z"), job("a", 2, "2026-03-01T00:20:00Z"), job("a", 3, undefined)];
    expect(latestRotation("default", "a", "hash", jobs, 3)).toEqual({
      job: nodeJobName("cert-rotate", "default", "a", "hash#2"),
      attempt: 2,
      completedAtMs: Date.parse("2026-03-01T00:20:00Z"),
      before: { file: "agent/client-kubelet.crt", notAfterMs: Date.parse("2026-03-11T00:00:00Z") },
    });
    expect(latestRotation("default", "a", "other", jobs, 3)).toBeUndefined();
    expect(
      latestRotation(
        "default",
        "a",
        "hash",
        [job("a", 1, "2026-03-01T00:10:00Z", { deletionTimestamp: "2026-03-01T00:11:00Z" })],
        2,
      ),
    ).toBeUndefined();
  });
});
