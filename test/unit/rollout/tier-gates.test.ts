import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import { decideSoak } from "../../../src/rollout/tier-gates.ts";
import type { NodeStep, ObservedNode, RolloutDecision, RolloutGates } from "../../../src/rollout/types.ts";
import { claim, demoNodes, healthyAfterJob, input, node, T0, TARGET } from "./fixtures.ts";

const claimed = (decision: RolloutDecision): string[] =>
  decision.steps
    .filter((s): s is Extract<NodeStep, { kind: "writeClaim" }> => s.kind === "writeClaim")
    .map((s) => s.node);

/** The demo cluster with every server done: the worker tier is next. */
const serversDone = (): ObservedNode[] =>
  demoNodes().map((n) => (n.tier === "worker" ? n : { ...n, doneHash: TARGET, kubeletVersion: "v1.31.4+rke2r1" }));

const SOAK = 60_000;

describe("approval between tiers", () => {
  const cases: [string, RolloutGates, string[], string | undefined][] = [
    ["no approval asked", {}, ["agent-1", "agent-2"], undefined],
    ["worker not yet approved", { approval: { tiers: ["worker"], approved: [] } }, [], "AwaitingApproval"],
    ["worker approved", { approval: { tiers: ["worker"], approved: ["worker"] } }, ["agent-1", "agent-2"], undefined],
    [
      "only control-plane asked",
      { approval: { tiers: ["control-plane"], approved: [] } },
      ["agent-1", "agent-2"],
      undefined,
    ],
  ];
  it.each(cases)("%s", (_name, gates, started, reason) => {
    const decision = decideRollout(input(serversDone(), { gates }));
    expect(claimed(decision)).toEqual(started);
    expect(decision.waiting?.reason).toBe(reason);
    expect(decision.awaitingApproval).toBe(reason ? "worker" : undefined);
  });

  it("is not a pause: a worker in progress finishes while the tier waits", () => {
    const nodes = serversDone().map((n) => (n.name === "agent-1" ? healthyAfterJob("agent-1", "worker") : n));
    const decision = decideRollout(input(nodes, { gates: { approval: { tiers: ["worker"], approved: [] } } }), {
      healthySince: new Map([["agent-1", T0 - 40_000]]),
    });
    expect(decision.steps.map((s) => s.kind)).toEqual(["finish"]);
    expect(claimed(decision)).toEqual([]);
  });

  it("a paused plan still says which tier waits (pausing is no approval)", () => {
    const decision = decideRollout(
      input(serversDone(), { mayStart: false, gates: { approval: { tiers: ["worker"], approved: [] } } }),
    );
    expect(decision.awaitingApproval).toBe("worker");
    expect(claimed(decision)).toEqual([]);
  });

  it("holds the etcd tier first when it is named", () => {
    const decision = decideRollout(input(demoNodes(), { gates: { approval: { tiers: ["etcd"], approved: [] } } }));
    expect(claimed(decision)).toEqual([]);
    expect(decision.waiting?.message).toBe("the etcd tier waits for approval: add etcd to spec.approval.approved");
  });
});

describe("blockers", () => {
  const holding = [{ name: "alerts", message: "alert(s) firing: KubeNodeNotReady" }];

  it("no node starts while one holds, and the wait names it", () => {
    const decision = decideRollout(input(demoNodes(), { gates: { blockers: holding } }));
    expect(claimed(decision)).toEqual([]);
    expect(decision.waiting).toEqual({
      reason: "BlockerHolding",
      message: "blocked by alerts (alert(s) firing: KubeNodeNotReady)",
    });
  });

  it("nodes in progress finish", () => {
    const nodes = serversDone().map((n) => (n.name === "agent-1" ? healthyAfterJob("agent-1", "worker") : n));
    const decision = decideRollout(input(nodes, { gates: { blockers: holding } }), {
      healthySince: new Map([["agent-1", T0 - 40_000]]),
    });
    expect(decision.steps.map((s) => s.kind)).toEqual(["finish"]);
  });

  it("a claimed node whose attempt has not begun does not begin", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "etcd-1" ? { ...n, claim: claim({ attempts: 0, attemptStartedAt: undefined }) } : n,
    );
    const decision = decideRollout(input(nodes, { gates: { blockers: holding } }));
    expect(decision.steps).toEqual([]);
    expect(decision.waiting?.reason).toBe("BlockerHolding");
  });
});

describe("tier soak", () => {
  const soakGates = (soak?: RolloutGates["soak"]): RolloutGates => ({ tierSoakMs: SOAK, ...(soak ? { soak } : {}) });

  const cases: [string, RolloutGates, string[], RolloutGates["soak"], number | undefined][] = [
    ["no soak configured", {}, ["agent-1", "agent-2"], undefined, undefined],
    ["the soak begins now", soakGates(), [], { tier: "control-plane", healthySinceMs: T0 }, SOAK],
    [
      "a restarted operator goes on from the recorded time",
      soakGates({ tier: "control-plane", healthySinceMs: T0 - 50_000 }),
      [],
      { tier: "control-plane", healthySinceMs: T0 - 50_000 },
      10_000,
    ],
    [
      "the soak is over",
      soakGates({ tier: "control-plane", healthySinceMs: T0 - SOAK }),
      ["agent-1", "agent-2"],
      { tier: "control-plane", healthySinceMs: T0 - SOAK, passed: true },
      undefined,
    ],
    [
      "a mark of another tier does not count",
      soakGates({ tier: "etcd", healthySinceMs: T0 - 10 * SOAK }),
      [],
      { tier: "control-plane", healthySinceMs: T0 },
      SOAK,
    ],
  ];
  it.each(cases)("%s", (_name, gates, started, mark, recheck) => {
    const decision = decideRollout(input(serversDone(), { gates }));
    expect(claimed(decision)).toEqual(started);
    expect(decision.soak).toEqual(mark);
    expect(decision.requeueAfterMs).toBe(recheck);
    if (started.length === 0) expect(decision.waiting?.reason).toBe("TierSoak");
  });

  it("restarts when health breaks: a node not Ready clears the healthy time", () => {
    const nodes = serversDone().map((n) => (n.name === "agent-3" ? { ...n, ready: false } : n));
    const decision = decideRollout(
      input(nodes, { gates: soakGates({ tier: "control-plane", healthySinceMs: T0 - 50_000 }) }),
    );
    expect(decision.soak).toEqual({ tier: "control-plane" });
    expect(decision.waiting?.message).toContain("agent-3 is not Ready");
    expect(claimed(decision)).toEqual([]);
  });

  it("restarts when a blocker holds, and when an etcd member is unhealthy", () => {
    const blocked = decideSoak({
      now: T0,
      gates: {
        ...soakGates({ tier: "control-plane", healthySinceMs: T0 - 1000 }),
        blockers: [{ name: "b", message: "x" }],
      },
      relevant: serversDone(),
      members: [],
      current: "worker",
      currentBegun: false,
    });
    expect(blocked.mark).toEqual({ tier: "control-plane" });
    const etcd = decideSoak({
      now: T0,
      gates: soakGates(),
      relevant: serversDone(),
      members: [{ name: "server-1", ready: true, etcdPodReady: false, claimedBy: undefined }],
      current: "worker",
      currentBegun: false,
    });
    expect(etcd.hold?.message).toContain("etcd-server-1 is not Ready");
  });

  it("a tier that has begun is past its soak, even without a mark", () => {
    const nodes = serversDone().map((n) => (n.name === "agent-1" ? node("agent-1", "worker", { claim: claim() }) : n));
    const decision = decideRollout(input(nodes, { gates: soakGates() }));
    expect(decision.soak).toEqual({ tier: "control-plane", passed: true });
    expect(decision.waiting?.reason).not.toBe("TierSoak");
  });

  it("nothing to soak before the first tier or after the last", () => {
    expect(decideRollout(input(demoNodes(), { gates: soakGates() })).soak).toBeUndefined();
    const allDone = demoNodes().map((n) => ({ ...n, doneHash: TARGET }));
    expect(
      decideRollout(input(allDone, { gates: soakGates({ tier: "control-plane", passed: true }) })).soak,
    ).toBeUndefined();
  });
});
