import { describe, expect, it } from "@jest/globals";
import type { Condition } from "../../../src/api/condition.ts";
import type { UpgradePhase } from "../../../src/api/upgradeplan.ts";
import { rolloutOutlook, type OutlookMode } from "../../../src/controllers/rollout-outlook.ts";
import { outlookMode } from "../../../src/controllers/upgradeplan/status.ts";
import { claim, demoNodes, input, T0 } from "../rollout/fixtures.ts";

describe("UpgradePlan outlookMode", () => {
  const progressing = (reason: string): Condition[] => [
    { type: "Progressing", status: "False", reason, message: "", lastTransitionTime: "2026-01-01T00:00:00Z" },
  ];
  type Seen = { phase?: UpgradePhase; startedAt?: string; conditions?: Condition[] };
  const cases: [string, boolean, boolean, Seen, OutlookMode][] = [
    ["in preflight, before any node", false, false, { phase: "Upgrading" }, "preview"],
    ["waiting for its window, never started", false, false, { phase: "Waiting" }, "preview"],
    ["paused mid-rollout", true, false, { phase: "Paused", startedAt: "2026-01-01T00:00:00Z" }, "preview"],
    ["upgrading", false, false, { phase: "Upgrading", startedAt: "2026-01-01T00:00:00Z" }, "eta"],
    ["window closed mid-rollout", false, false, { phase: "Waiting", startedAt: "x" }, "none"],
    ["in a tier soak", false, false, { phase: "Waiting", startedAt: "x", conditions: progressing("TierSoak") }, "eta"],
    [
      "waiting for approval",
      false,
      false,
      { phase: "Waiting", startedAt: "x", conditions: progressing("AwaitingApproval") },
      "none",
    ],
    ["halted", false, false, { phase: "Halted", startedAt: "2026-01-01T00:00:00Z" }, "none"],
    ["succeeded", true, false, { phase: "Succeeded", startedAt: "2026-01-01T00:00:00Z" }, "none"],
    ["being deleted", true, true, { phase: "Paused" }, "none"],
  ];
  it.each(cases)("%s", (_, paused, releasing, status, mode) => {
    expect(outlookMode(paused, releasing, status)).toBe(mode);
  });
});

describe("rolloutOutlook", () => {
  it("gives the bounded preview, or the ETA, or nothing", () => {
    const round = input(demoNodes());
    expect(rolloutOutlook(round, "preview").preview).toMatchObject({ nodes: 7, truncated: false });
    expect(rolloutOutlook(round, "preview").estimatedCompletion).toBeUndefined();
    // Nothing measured: 3m + 30s settle per batch, six batches: 21 minutes from now.
    expect(rolloutOutlook(round, "eta")).toEqual({
      estimatedCompletion: new Date(T0 + 21 * 60_000).toISOString().replace(".000Z", "Z"),
    });
    expect(rolloutOutlook(undefined, "eta")).toEqual({});
    expect(rolloutOutlook(round, "none")).toEqual({});
  });

  it("keeps the ETA while a node in progress keeps to its estimate", () => {
    const nodes = demoNodes().map((n) => (n.name === "etcd-1" ? { ...n, claim: claim() } : n));
    const etas = [0, 30_000, 120_000].map((later) => rolloutOutlook(input(nodes, { now: T0 + later }), "eta"));
    expect(new Set(etas.map((eta) => eta.estimatedCompletion)).size).toBe(1);
  });
});
