import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import { DEFAULT_NODE_WORK_MS } from "../../../src/rollout/eta.ts";
import { previewRollout, rolloutEta, type RolloutPreview, type SoakAhead } from "../../../src/rollout/preview.ts";
import type { ObservedNode, RolloutGates, RolloutPolicy, Tier } from "../../../src/rollout/types.ts";
import { claim, demoNodes, input, node, OLD_TARGET, OWNER, policy, SETTLE_MS, T0, TARGET } from "./fixtures.ts";

const batchesOf = (preview: RolloutPreview): Record<string, string[][]> =>
  Object.fromEntries(preview.tiers.map((tier) => [tier.tier, tier.batches]));
const concurrency = (worker: number | string, cp = 1): Partial<RolloutPolicy> => ({
  concurrency: { etcd: 1, "control-plane": cp, worker },
});
const done = (name: string, role: Parameters<typeof node>[1], minutes?: number): ObservedNode =>
  node(name, role, {
    doneHash: TARGET,
    ...(minutes !== undefined ? { measuredDurationMs: minutes * 60_000 } : {}),
  });

describe("previewRollout: batches", () => {
  const cases: {
    name: string;
    nodes: ObservedNode[];
    policy?: Partial<RolloutPolicy>;
    batches: Record<string, string[][]>;
    skipped?: Record<string, string[]>;
  }[] = [
    {
      name: "7-node demo: etcd-only member first, servers one at a time, workers two at a time",
      nodes: demoNodes(),
      batches: {
        etcd: [["etcd-1"], ["server-1"], ["server-2"]],
        "control-plane": [["cp-1"]],
        worker: [["agent-1", "agent-2"], ["agent-3"]],
      },
    },
    {
      name: "etcd ignores a larger concurrency (quorum guard); a percentage is of the tier",
      nodes: [
        node("e-1", "etcd+cp"),
        node("e-2", "etcd+cp"),
        ...["w1", "w2", "w3", "w4"].map((n) => node(n, "worker")),
      ],
      policy: { concurrency: { etcd: 5, "control-plane": 3, worker: "50%" } },
      batches: {
        etcd: [["e-1"], ["e-2"]],
        worker: [
          ["w1", "w2"],
          ["w3", "w4"],
        ],
      },
    },
    {
      name: "nodes at the target are skipped: done before, or already satisfied",
      nodes: [done("etcd-1", "etcd"), node("server-1", "etcd+cp", { satisfied: true }), node("agent-1", "worker")],
      batches: { etcd: [], worker: [["agent-1"]] },
      skipped: { etcd: ["etcd-1", "server-1"], worker: [] },
    },
    {
      name: "a node done for another target is not skipped; an unselected one is not listed",
      nodes: [node("etcd-1", "etcd", { doneHash: OLD_TARGET }), node("agent-1", "worker", { selected: false })],
      batches: { etcd: [["etcd-1"]] },
    },
    {
      name: "paused mid-tier: the nodes in progress lead the first batch, free slots fill it",
      nodes: ["w1", "w2", "w3", "w4", "w5"].map((n) =>
        node(n, "worker", n === "w4" ? { claim: claim(), unschedulable: true } : {}),
      ),
      policy: concurrency(2),
      batches: { worker: [["w4", "w1"], ["w2", "w3"], ["w5"]] },
    },
    {
      name: "a satisfied node another owner left claimed is changed, not skipped",
      nodes: [node("w1", "worker", { satisfied: true, orphanedClaim: claim({ owner: "UpgradePlan/gone" }) })],
      batches: { worker: [["w1"]] },
    },
  ];
  it.each(cases)("$name", ({ nodes, policy: overrides, batches, skipped }) => {
    const preview = previewRollout(input(nodes, { policy: policy(overrides) }));
    expect(batchesOf(preview)).toEqual(batches);
    if (skipped) expect(Object.fromEntries(preview.tiers.map((t) => [t.tier, t.skipped]))).toEqual(skipped);
  });

  it("marks the tiers the etcd quorum guard protects", () => {
    const preview = previewRollout(input(demoNodes()));
    expect(preview.tiers.map((t) => [t.tier, t.quorumGuard])).toEqual([
      ["etcd", true],
      ["control-plane", true],
      ["worker", false],
    ]);
    expect(preview).toMatchObject({ toChange: 7, skipped: 0 });
  });

  it.each([1, 2, 3, "40%"])("is the order decide starts nodes in (workers %p at a time)", (workers) => {
    let nodes: ObservedNode[] = [
      ...demoNodes(),
      ...Array.from({ length: 9 }, (_, i) => node(`agent-${String(i + 4).padStart(2, "0")}`, "worker")),
    ];
    const rollout = input(nodes, { policy: policy(concurrency(workers, 2)) });
    const expected = previewRollout(rollout).tiers.flatMap((tier) => tier.batches);
    const started: string[][] = [];
    for (let round = 0; round < 50; round++) {
      const decision = decideRollout({ ...rollout, nodes });
      const claimed = decision.steps.flatMap((s) => (s.kind === "writeClaim" ? [s.node] : []));
      if (claimed.length === 0) break;
      started.push(claimed);
      // Every started node finishes before the next round: batches, as the preview assumes.
      nodes = nodes.map((n) => (claimed.includes(n.name) ? { ...n, doneHash: TARGET } : n));
    }
    expect(started).toEqual(expected);
  });
});

describe("previewRollout: estimate", () => {
  it("before any node finished: the documented default plus settle, per batch", () => {
    const preview = previewRollout(input(demoNodes()));
    const perNode = DEFAULT_NODE_WORK_MS + SETTLE_MS;
    expect(preview.basis).toBe("default");
    expect(preview.tiers.map((t) => t.estimatedMs)).toEqual([3 * perNode, perNode, 2 * perNode]);
    expect(preview.estimatedMs).toBe(6 * perNode);
  });

  it("measured durations of this rollout: the tier's median, else the rollout's", () => {
    const nodes = [
      done("etcd-1", "etcd", 4),
      done("server-1", "etcd+cp", 10),
      done("server-2", "etcd+cp", 6),
      node("cp-1", "cp"),
      done("agent-1", "worker", 2),
      node("agent-2", "worker"),
      node("agent-3", "worker"),
    ];
    const preview = previewRollout(input(nodes));
    expect(preview.basis).toBe("measured");
    // control-plane measured nothing: the median of all four (4, 10, 6, 2) is 5 minutes.
    expect(preview.tiers.map((t) => [t.tier, t.perNode.ms / 60_000])).toEqual([
      ["etcd", 6],
      ["control-plane", 5],
      ["worker", 2],
    ]);
    expect(preview.estimatedMs).toBe((5 + 2) * 60_000);
  });
});

describe("rolloutEta", () => {
  const workers = (...overrides: Partial<ObservedNode>[]): ObservedNode[] =>
    overrides.map((o, i) => node(`w${i + 1}`, "worker", o));
  const since = (minutesAgo: number): Partial<ObservedNode> => ({
    claim: claim({ claimedAt: new Date(T0 - minutesAgo * 60_000).toISOString() }),
  });
  const cases: { name: string; nodes: ObservedNode[]; now?: number; etaMinutes: number | undefined }[] = [
    {
      name: "one in progress (started 1 min ago, median 4), one batch pending",
      nodes: workers({ doneHash: TARGET, measuredDurationMs: 4 * 60_000 }, since(1), {}, {}),
      etaMinutes: 3 + 4,
    },
    {
      name: "a late node moves the end: never before now",
      nodes: workers({ doneHash: TARGET, measuredDurationMs: 4 * 60_000 }, since(9), {}),
      etaMinutes: 0,
    },
    {
      name: "rounded up to the minute",
      nodes: workers({ doneHash: TARGET, measuredDurationMs: 90_000 }, {}),
      etaMinutes: 2,
    },
    { name: "nothing left", nodes: workers({ doneHash: TARGET }), etaMinutes: undefined },
  ];
  it.each(cases)("$name", ({ nodes, etaMinutes }) => {
    const preview = previewRollout(input(nodes, { policy: policy(concurrency(2)) }));
    const eta = rolloutEta(preview, T0);
    expect(eta === undefined ? undefined : (eta - T0) / 60_000).toBe(etaMinutes);
  });

  it("does not move while the rollout keeps to its estimate", () => {
    const nodes = workers({ doneHash: TARGET, measuredDurationMs: 4 * 60_000 }, since(1), {}, {});
    const preview = previewRollout(input(nodes, { policy: policy(concurrency(2)) }));
    const etas = [0, 20_000, 90_000, 170_000].map((later) => rolloutEta(preview, T0 + later));
    expect(new Set(etas).size).toBe(1);
  });

  it("counts a node as the owner's only when it carries the owner's claim", () => {
    const foreign = node("w1", "worker", { claim: claim({ owner: "CertRotation/other" }) });
    const preview = previewRollout(input([foreign], { owner: OWNER }));
    expect(preview.tiers[0]).toMatchObject({ inProgress: 0, batches: [["w1"]] });
  });
});

describe("previewRollout: the gates between tiers", () => {
  const SOAK_MS = 10 * 60_000;
  const perNode = DEFAULT_NODE_WORK_MS + SETTLE_MS;
  const etcdDone = (): ObservedNode[] =>
    demoNodes().map((n) => (n.tier === "etcd" ? { ...n, doneHash: TARGET, measuredDurationMs: perNode } : n));
  const cases: {
    name: string;
    nodes?: ObservedNode[];
    gates: RolloutGates;
    awaiting: Tier[];
    soaks: Partial<Record<Tier, SoakAhead>>;
  }[] = [
    {
      name: "no gates: nothing waits, nothing soaks",
      gates: {},
      awaiting: [],
      soaks: {},
    },
    {
      name: "a tier named and not approved waits; an approved one does not",
      gates: { approval: { tiers: ["control-plane", "worker"], approved: ["control-plane"] } },
      awaiting: ["worker"],
      soaks: {},
    },
    {
      name: "a named tier with nothing to change does not wait (the engine never stops at it)",
      nodes: etcdDone(),
      gates: { approval: { tiers: ["etcd"], approved: [] } },
      awaiting: [],
      soaks: {},
    },
    {
      name: "a soak before every tier after the first",
      gates: { tierSoakMs: SOAK_MS },
      awaiting: [],
      soaks: { "control-plane": { ms: SOAK_MS, after: "etcd" }, worker: { ms: SOAK_MS, after: "control-plane" } },
    },
    {
      name: "a tier already at the target still begins a soak (decideSoak's completed tier)",
      nodes: etcdDone(),
      gates: { tierSoakMs: SOAK_MS },
      awaiting: [],
      soaks: { "control-plane": { ms: SOAK_MS, after: "etcd" }, worker: { ms: SOAK_MS, after: "control-plane" } },
    },
    {
      name: "a soak under way keeps its start; a passed one is gone",
      nodes: etcdDone(),
      gates: { tierSoakMs: SOAK_MS, soak: { tier: "etcd", healthySinceMs: T0 - 60_000 } },
      awaiting: [],
      soaks: {
        "control-plane": { ms: SOAK_MS, after: "etcd", sinceMs: T0 - 60_000 },
        worker: { ms: SOAK_MS, after: "control-plane" },
      },
    },
    {
      name: "a soak marked passed, or a tier begun, soaks no more",
      nodes: etcdDone().map((n) => (n.name === "agent-1" ? { ...n, claim: claim() } : n)),
      gates: {
        tierSoakMs: SOAK_MS,
        soak: { tier: "etcd", passed: true },
        approval: { tiers: ["worker"], approved: [] },
      },
      awaiting: ["worker"],
      soaks: {},
    },
  ];
  it.each(cases)("$name", ({ nodes, gates, awaiting, soaks }) => {
    const preview = previewRollout(input(nodes ?? demoNodes(), { gates }));
    expect(preview.tiers.filter((t) => t.awaitingApproval).map((t) => t.tier)).toEqual(awaiting);
    const soaked = preview.tiers.flatMap((t) => (t.soak ? [[t.tier, t.soak] as const] : []));
    expect(Object.fromEntries(soaked)).toEqual(soaks);
    const work = preview.tiers.reduce((sum, t) => sum + t.estimatedMs, 0);
    expect(preview.estimatedMs).toBe(work + Object.values(soaks).reduce((sum, soak) => sum + soak.ms, 0));
  });

  it("waits where decide waits: the first tier marked is the decision's awaitingApproval", () => {
    const gates: RolloutGates = { approval: { tiers: ["control-plane", "worker"], approved: [] } };
    const rollout = input(etcdDone(), { gates });
    const first = previewRollout(rollout).tiers.find((t) => t.awaitingApproval)?.tier;
    expect(first).toBe("control-plane");
    expect(decideRollout(rollout).awaitingApproval).toBe(first);
  });

  it("the ETA counts a soak ahead in full, and one under way from its start", () => {
    const nodes = etcdDone();
    const ahead = previewRollout(input(nodes, { gates: { tierSoakMs: SOAK_MS } }));
    const without = previewRollout(input(nodes));
    expect((rolloutEta(ahead, T0) ?? 0) - (rolloutEta(without, T0) ?? 0)).toBe(2 * SOAK_MS);
    const since = T0 - 4 * 60_000;
    const underWay = previewRollout(
      input(nodes, { gates: { tierSoakMs: SOAK_MS, soak: { tier: "etcd", healthySinceMs: since } } }),
    );
    // The cp tier's soak ends 6 minutes from now; then cp-1, the worker soak, two worker batches.
    const expected = since + SOAK_MS + perNode + SOAK_MS + 2 * perNode;
    expect(rolloutEta(underWay, T0)).toBe(Math.ceil(expected / 60_000) * 60_000);
  });
});
