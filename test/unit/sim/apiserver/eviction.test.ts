import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../../../src/sim/apiserver/errors.ts";
import { computeBudget, decideEviction, enforceDecision } from "../../../../src/sim/apiserver/eviction.ts";

function pod(
  name: string,
  ready: boolean,
  extra: { phase?: string; terminating?: boolean; labels?: Record<string, string> } = {},
): Record<string, unknown> {
  return {
    metadata: {
      name,
      labels: extra.labels ?? { app: "web" },
      ...(extra.terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    status: { phase: extra.phase ?? "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function pdb(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { metadata: { name }, spec: { selector: { matchLabels: { app: "web" } }, ...spec } };
}

describe("computeBudget", () => {
  const pods = [pod("a", true), pod("b", true), pod("c", false), pod("d", true, { terminating: true })];
  it.each([
    [{ minAvailable: 2 }, 2, 0],
    [{ minAvailable: 1 }, 1, 1],
    [{ minAvailable: "50%" }, 2, 0],
    [{ maxUnavailable: 1 }, 3, 0],
    [{ maxUnavailable: "50%" }, 2, 0],
    [{ maxUnavailable: 4 }, 0, 2],
  ])("%j: desired %d, allowed %d (2 healthy of 4)", (spec, desired, allowed) => {
    const budget = computeBudget(pdb("web", spec), pods);
    expect(budget.currentHealthy).toBe(2);
    expect(budget.desiredHealthy).toBe(desired);
    expect(budget.disruptionsAllowed).toBe(allowed);
  });
});

describe("decideEviction", () => {
  const healthy = [pod("a", true), pod("b", true)];
  it.each([
    ["no PDB: evicted at once", pod("a", true), [], healthy, "evict"],
    ["budget allows one", pod("a", true), [pdb("web", { minAvailable: 1 })], healthy, "evict"],
    ["budget at zero", pod("a", true), [pdb("web", { minAvailable: 2 })], healthy, "refuse"],
    [
      "two PDBs match",
      pod("a", true),
      [pdb("one", { minAvailable: 1 }), pdb("two", { minAvailable: 1 })],
      healthy,
      "multipleBudgets",
    ],
    [
      "pending pods ignore PDBs",
      pod("a", false, { phase: "Pending" }),
      [pdb("web", { minAvailable: 2 })],
      healthy,
      "evict",
    ],
    [
      "succeeded pods ignore PDBs",
      pod("a", false, { phase: "Succeeded" }),
      [pdb("web", { minAvailable: 2 })],
      healthy,
      "evict",
    ],
    [
      "unhealthy pod, budget met",
      pod("c", false),
      [pdb("web", { minAvailable: 2 })],
      [...healthy, pod("c", false)],
      "evict",
    ],
    [
      "unhealthy pod, budget not met",
      pod("c", false),
      [pdb("web", { minAvailable: 3 })],
      [...healthy, pod("c", false)],
      "refuse",
    ],
    [
      "unhealthy pod, AlwaysAllow",
      pod("c", false),
      [pdb("web", { minAvailable: 3, unhealthyPodEvictionPolicy: "AlwaysAllow" })],
      [...healthy, pod("c", false)],
      "evict",
    ],
    [
      "PDB of other pods",
      pod("x", true, { labels: { app: "db" } }),
      [pdb("web", { minAvailable: 2 })],
      healthy,
      "evict",
    ],
  ])("%s", (_title, target, pdbs, pods, outcome) => {
    expect(decideEviction(target, pdbs, pods).outcome).toBe(outcome);
  });

  it("answers 429 naming the PDB, and 500 for several PDBs, as the real server", () => {
    const refused = decideEviction(pod("a", true), [pdb("web", { minAvailable: 2 })], [pod("a", true), pod("b", true)]);
    try {
      enforceDecision(refused);
      throw new Error("expected 429");
    } catch (err) {
      const status = (err as ApiError).toStatus();
      expect(status.code).toBe(429);
      expect(status.reason).toBe("TooManyRequests");
      expect(status.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
      expect(status.details?.causes?.[0]).toEqual({
        reason: "DisruptionBudget",
        message: "The disruption budget web needs 2 healthy pods and has 2 currently",
      });
    }
    expect(() => {
      enforceDecision({ outcome: "multipleBudgets", pdbNames: ["a", "b"] });
    }).toThrow("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    expect(() => {
      enforceDecision({ outcome: "evict" });
    }).not.toThrow();
  });
});
