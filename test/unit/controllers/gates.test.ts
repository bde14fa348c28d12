import { describe, expect, it } from "@jest/globals";
import type { Condition } from "../../../src/api/condition.ts";
import { gateEvents, rolloutGates, soakMarkOf, soakStatusOf, withGates } from "../../../src/controllers/gates.ts";
import type { TierSoakStatus } from "../../../src/api/rollout-gates.ts";
import type { RolloutSummary } from "../../../src/rollout/types.ts";

interface Gated {
  conditions: Condition[];
  tierSoak?: TierSoakStatus;
}
const gated = (conditions: Condition[] = []): Gated => ({ conditions });

const NOW = Date.UTC(2026, 0, 1, 12);
const summary = (extra: Partial<RolloutSummary> = {}): RolloutSummary => ({
  tier: "worker",
  counts: { total: 3, done: 1, inProgress: 0, pending: 2, failed: 0 },
  nodes: [],
  halted: false,
  complete: false,
  waiting: undefined,
  ...extra,
});
const cond = (type: string, status: "True" | "False", reason: string, message: string): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});

describe("the gates as the owners show them", () => {
  it("builds the engine's gates from the spec and the status", () => {
    expect(
      rolloutGates(
        { approval: { tiers: ["worker"], approved: [] }, tierSoak: "2m" },
        { tier: "etcd", healthySince: "2026-01-01T12:00:00Z" },
        [],
      ),
    ).toEqual({
      approval: { tiers: ["worker"], approved: [] },
      blockers: [],
      tierSoakMs: 120_000,
      soak: { tier: "etcd", healthySinceMs: NOW },
    });
    expect(rolloutGates({ approval: { tiers: [], approved: [] } }, undefined, undefined)).toEqual({
      approval: undefined,
      blockers: undefined,
      tierSoakMs: 0,
      soak: undefined,
    });
  });

  it("keeps the soak mark through the status (whole seconds)", () => {
    const mark = { tier: "control-plane" as const, healthySinceMs: NOW, passed: true };
    expect(soakStatusOf(mark)).toEqual({ tier: "control-plane", healthySince: "2026-01-01T12:00:00Z", passed: true });
    expect(soakMarkOf(soakStatusOf(mark))).toEqual(mark);
    expect(soakStatusOf(undefined)).toBeUndefined();
  });

  it("sets AwaitingApproval and Blocked from the round, and the soak mark", () => {
    const status = withGates(
      gated(),
      summary({
        awaitingApproval: "worker",
        blockers: [{ name: "alerts", message: "alert(s) firing: A" }],
        soak: { tier: "control-plane", healthySinceMs: NOW },
      }),
      undefined,
      NOW,
      4,
    );
    expect(status.conditions.map((c) => [c.type, c.status, c.reason, c.message, c.observedGeneration])).toEqual([
      [
        "AwaitingApproval",
        "True",
        "AwaitingApproval",
        "the worker tier waits for approval: add worker to spec.approval.approved",
        4,
      ],
      ["Blocked", "True", "BlockerHolding", "blocked by alerts (alert(s) firing: A)", 4],
    ]);
    expect(status.tierSoak).toEqual({ tier: "control-plane", healthySince: "2026-01-01T12:00:00Z" });
    const done = withGates(gated(), summary({ complete: true, awaitingApproval: "worker" }), undefined, NOW, 4);
    expect(done.conditions.map((c) => c.status)).toEqual(["False", "False"]);
    expect(done.tierSoak).toBeUndefined();
  });

  it("without a round keeps the previous verdicts and mark", () => {
    const previous = [cond("Blocked", "True", "BlockerHolding", "blocked by x (y)")];
    const kept = withGates(gated(previous), undefined, { tier: "etcd", passed: true }, NOW, 5);
    expect(kept.conditions.find((c) => c.type === "Blocked")).toMatchObject({
      status: "True",
      message: "blocked by x (y)",
    });
    expect(kept.tierSoak).toEqual({ tier: "etcd", passed: true });
  });

  const waiting = cond("AwaitingApproval", "True", "AwaitingApproval", "the worker tier waits for approval: add ...");
  const approved = cond("AwaitingApproval", "False", "Approved", "no tier waits for approval");
  const blocked = cond("Blocked", "True", "BlockerHolding", "blocked by a (b)");
  const clear = cond("Blocked", "False", "NoBlocker", "no blocker holds");
  const cases: [string, Condition[], Condition[], string[]][] = [
    ["a tier starts waiting", [approved, clear], [waiting, clear], ["AwaitingApproval"]],
    ["still waiting: nothing new", [waiting, clear], [waiting, clear], []],
    ["approved", [waiting, clear], [approved, clear], ["Approved: approved: the worker tier may start"]],
    ["a blocker starts holding", [approved, clear], [approved, blocked], ["BlockerHolding"]],
    ["blockers clear", [approved, blocked], [approved, clear], ["BlockersCleared"]],
    ["first status, nothing held", [], [approved, clear], []],
  ];
  it.each(cases)("events: %s", (_name, before, after, expected) => {
    const events = gateEvents(before, after).map((e) =>
      e.reason === "Approved" ? `${e.reason}: ${e.message}` : e.reason,
    );
    expect(events).toEqual(expected);
  });
});
