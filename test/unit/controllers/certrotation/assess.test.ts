import { describe, expect, it } from "@jest/globals";
import { assessCluster, assessNode, needsRotation } from "../../../../src/controllers/certrotation/assess.ts";
import { assessed, ca, DAY, inventory, leaf, NOW, THRESHOLDS, typicalNode } from "./fixtures.ts";

describe("assessing a node's certificates", () => {
  it.each([
    ["a year out", 300, { due: false, warning: 0, critical: 0 }],
    ["inside renewBefore (30 d), not yet warned", 29, { due: true, warning: 0, critical: 0 }],
    ["exactly at warnBefore (28 d)", 28, { due: true, warning: 1, critical: 0 }],
    ["inside criticalBefore (14 d)", 13, { due: true, warning: 1, critical: 1 }],
    ["already expired", -1, { due: true, warning: 1, critical: 1 }],
  ])("a leaf %s", (_name, days, expected) => {
    const node = assessed("n", typicalNode("n", days));
    expect({ due: needsRotation(node), warning: node.warning.length, critical: node.critical.length }).toEqual(
      expected,
    );
  });

  it("alerts on an expiring CA but does not rotate for it (rotate-ca is a person's job)", () => {
    const node = assessed("n", [ca("server/tls/client-ca.crt", 10), leaf("agent/client-kubelet.crt", 300)]);
    expect(needsRotation(node)).toBe(false);
    expect(node.critical.map((c) => c.file)).toEqual(["server/tls/client-ca.crt"]);
    expect(node.earliest?.file).toBe("server/tls/client-ca.crt");
  });

  it("says why the inventory of a node is unusable, and still uses a stale report's data", () => {
    expect(assessed("n", undefined)).toMatchObject({ inventory: "missing", earliest: undefined, expiringLeaves: [] });
    const unreadable = assessNode(
      { name: "n", tier: "worker" },
      {
        node: "n",
        report: undefined,
        problem: "the certificate report is not JSON",
        renewedAtMs: NOW,
        staleAfterMs: NOW + DAY,
      },
      THRESHOLDS,
      NOW,
    );
    expect(unreadable).toMatchObject({ inventory: "unreadable", problem: "the certificate report is not JSON" });
    const stale = assessNode(
      { name: "n", tier: "worker" },
      { ...inventory("n", [leaf("agent/client-kubelet.crt", 5)], NOW - 2 * DAY), staleAfterMs: NOW - DAY },
      THRESHOLDS,
      NOW,
    );
    expect(stale.inventory).toBe("stale");
    expect(stale.problem).toContain("not renewed since 2026-02-27");
    expect(needsRotation(stale)).toBe(true);
    const withErrors = assessNode(
      { name: "n", tier: "worker" },
      {
        ...inventory("n", []),
        report: { scannedAtMs: NOW, certificates: [], errors: [{ file: "agent/x.crt", error: "bad" }] },
      },
      THRESHOLDS,
      NOW,
    );
    expect(withErrors).toMatchObject({
      inventory: "reported",
      problem: "1 certificate file(s) unreadable, e.g. agent/x.crt: bad",
    });
  });
});

describe("assessing the cluster", () => {
  it("finds the earliest expiry, counts the alerting files and the next threshold crossing", () => {
    const nodes = [
      assessed("a", typicalNode("a", 100)),
      assessed("b", typicalNode("b", 40), "worker"),
      assessed("c", undefined, "worker"),
    ];
    const cluster = assessCluster(nodes, THRESHOLDS, NOW);
    expect(cluster.earliest).toEqual({ node: "b", file: "server/tls/client-admin.crt", notAfterMs: NOW + 40 * DAY });
    expect([cluster.warningCount, cluster.criticalCount]).toEqual([0, 0]);
    // b's 40-day leaf enters renewBefore (30 d) in 10 days: the first crossing.
    expect(cluster.nextCrossingMs).toBe(NOW + 10 * DAY);
  });

  it("skips verdicts that already hold and CAs' renewBefore (they are never rotated)", () => {
    const cluster = assessCluster(
      [assessed("a", [leaf("agent/client-kubelet.crt", 20), ca("server/tls/client-ca.crt", 45)])],
      THRESHOLDS,
      NOW,
    );
    // The leaf is past renewBefore and warnBefore: next is criticalBefore in 6 days; the CA warns in 17.
    expect(cluster.nextCrossingMs).toBe(NOW + 6 * DAY);
    expect(assessCluster([], THRESHOLDS, NOW)).toEqual({
      nodes: [],
      earliest: undefined,
      warningCount: 0,
      criticalCount: 0,
      nextCrossingMs: undefined,
    });
  });
});
