import { describe, expect, it } from "@jest/globals";
import { computePdbStatus, scaledValue, type ExpectedScale } from "../../../../src/sim/controllers/pdb-status.ts";
import type { IntOrString, Pod, PodDisruptionBudget } from "../../../../src/sim/cluster/kinds.ts";

function pdb(spec: { minAvailable?: IntOrString; maxUnavailable?: IntOrString }): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web", namespace: "apps", generation: 3 },
    spec: { ...spec, selector: { matchLabels: { app: "web" } } },
  };
}

function pods(ready: number, unready = 0, deleting = 0): Pod[] {
  const make = (i: number, isReady: boolean, isDeleting: boolean): Pod => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `web-${i}`,
      namespace: "apps",
      ...(isDeleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: { containers: [] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: isReady ? "True" : "False" }] },
  });
  return [
    ...Array.from({ length: ready }, (_, i) => make(i, true, false)),
    ...Array.from({ length: unready }, (_, i) => make(100 + i, false, false)),
    ...Array.from({ length: deleting }, (_, i) => make(200 + i, true, true)),
  ];
}

const NOW = "2026-01-01T00:00:00Z";

describe("scaledValue", () => {
  it.each<[IntOrString, number, boolean, number | string]>([
    [2, 10, true, 2],
    ["50%", 3, true, 2],
    ["50%", 3, false, 1],
    ["34%", 3, true, 2],
    ["0%", 5, true, 0],
    ["100%", 7, true, 7],
  ])("%j of %i (roundUp %s) = %j", (value, total, roundUp, expected) => {
    expect(scaledValue(value, total, roundUp)).toBe(expected);
  });

  it("rejects a malformed percentage", () => {
    expect(scaledValue("half", 4, true)).toMatch(/invalid value/);
  });
});

describe("PodDisruptionBudget status", () => {
  it.each<
    [
      string,
      PodDisruptionBudget,
      Pod[],
      ExpectedScale,
      { expectedPods: number; currentHealthy: number; desiredHealthy: number; disruptionsAllowed: number },
    ]
  >([
    [
      "minAvailable int, all ready",
      pdb({ minAvailable: 2 }),
      pods(3),
      "unused",
      { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 },
    ],
    [
      "minAvailable int equals ready: none allowed",
      pdb({ minAvailable: 3 }),
      pods(3),
      "unused",
      { expectedPods: 3, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 },
    ],
    [
      "unready and deleting pods are not healthy",
      pdb({ minAvailable: 1 }),
      pods(1, 1, 1),
      "unused",
      { expectedPods: 3, currentHealthy: 1, desiredHealthy: 1, disruptionsAllowed: 0 },
    ],
    [
      "minAvailable 50% of 3 rounds up to 2",
      pdb({ minAvailable: "50%" }),
      pods(3),
      3,
      { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 },
    ],
    [
      "maxUnavailable 1 of 3",
      pdb({ maxUnavailable: 1 }),
      pods(3),
      3,
      { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 },
    ],
    [
      "maxUnavailable 0 blocks everything",
      pdb({ maxUnavailable: 0 }),
      pods(3),
      3,
      { expectedPods: 3, currentHealthy: 3, desiredHealthy: 3, disruptionsAllowed: 0 },
    ],
    [
      "maxUnavailable 30% of 4 rounds up to 2",
      pdb({ maxUnavailable: "30%" }),
      pods(4),
      4,
      { expectedPods: 4, currentHealthy: 4, desiredHealthy: 2, disruptionsAllowed: 2 },
    ],
    [
      "scale counts pods not yet created",
      pdb({ maxUnavailable: 1 }),
      pods(2),
      3,
      { expectedPods: 3, currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 },
    ],
    [
      "no pods expected keeps the budget closed",
      pdb({ minAvailable: 0 }),
      [],
      "unused",
      { expectedPods: 0, currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0 },
    ],
  ])("%s", (_label, budget, selected, scale, expected) => {
    const status = computePdbStatus({ pdb: budget, pods: selected, expectedScale: () => scale }, NOW);
    expect(status).toMatchObject({ ...expected, observedGeneration: 3 });
    expect(status.conditions?.[0]).toMatchObject({
      type: "DisruptionAllowed",
      status: expected.disruptionsAllowed > 0 ? "True" : "False",
    });
  });

  it("a percentage over pods without a scalable controller fails the sync with no disruptions", () => {
    const status = computePdbStatus(
      {
        pdb: pdb({ maxUnavailable: "10%" }),
        pods: pods(3),
        expectedScale: () => 'found no controllers for pod "web-0"',
      },
      NOW,
    );
    expect(status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 3 });
    expect(status.conditions?.[0]).toMatchObject({
      reason: "SyncFailed",
      message: expect.stringContaining("found no controllers") as unknown,
    });
  });

  it("keeps lastTransitionTime while the condition holds", () => {
    const first = computePdbStatus({ pdb: pdb({ minAvailable: 1 }), pods: pods(3), expectedScale: () => 3 }, NOW);
    const again = computePdbStatus(
      { pdb: { ...pdb({ minAvailable: 1 }), status: first }, pods: pods(3), expectedScale: () => 3 },
      "2026-01-02T00:00:00Z",
    );
    expect(again.conditions?.[0]?.lastTransitionTime).toBe(NOW);
  });
});
