import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import type { NodeStep, RolloutDecision } from "../../../src/rollout/types.ts";
import {
  claim,
  demoNodes,
  healthyAfterJob,
  input,
  job,
  node,
  OLD_TARGET,
  OWNER,
  policy,
  T0,
  TARGET,
} from "./fixtures.ts";

const claimed = (decision: RolloutDecision): string[] =>
  decision.steps
    .filter((s): s is Extract<NodeStep, { kind: "writeClaim" }> => s.kind === "writeClaim")
    .map((s) => s.node);
const finished = (decision: RolloutDecision): string[] =>
  decision.steps.filter((s) => s.kind === "finish" || s.kind === "label").map((s) => ("node" in s ? s.node : ""));
/** The engine saw these nodes healthy 40 s ago: their settle time is over. */
const settled = (...names: string[]) => ({
  healthySince: new Map(names.map((name): [string, number] => [name, T0 - 40_000])),
});
const step = (decision: RolloutDecision, name: string): NodeStep | undefined =>
  decision.steps.find((s) => ("node" in s ? s.node : s.work.node) === name);

describe("decideRollout: starting nodes", () => {
  it("starts the etcd-only member first, alone, and asks for the lock", () => {
    const decision = decideRollout(input(demoNodes()));
    expect(claimed(decision)).toEqual(["etcd-1"]);
    expect(decision.lock).toBe("acquire");
    const first = step(decision, "etcd-1");
    expect(first).toMatchObject({ kind: "writeClaim", cordon: true, needsLock: true, resourceVersion: "10" });
    if (first?.kind !== "writeClaim") throw new Error("expected a claim");
    expect(first.claim).toMatchObject({ owner: OWNER, target: TARGET, attempts: 1, wasUnschedulable: false });
    // etcd nodes are not drained by default: the Job follows in the same round.
    expect(first.then).toEqual({ node: "etcd-1", tier: "etcd", attempt: 1, drain: undefined });
    expect(decision.progress.get("etcd-1")).toMatchObject({ phase: "Running", job: "upgrade-p-etcd-1-a1" });
    expect(decision.events.map((e) => e.reason)).toEqual(["NodeStarted"]);
  });

  it("starts nothing while starting is not allowed (paused, window closed, preflight)", () => {
    const decision = decideRollout(input(demoNodes(), { mayStart: false }));
    expect(decision.steps).toEqual([]);
    expect(decision.lock).toBe("none");
  });

  it("a claimed node between attempts waits while starting is not allowed, and says why", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "etcd-1" ? { ...n, unschedulable: true, claim: claim({ attemptStartedAt: undefined }) } : n,
    );
    const decision = decideRollout(input(nodes, { mayStart: false, lock: { holder: OWNER, holderGone: false } }));
    expect(decision.progress.get("etcd-1")).toMatchObject({
      phase: "Waiting",
      message: expect.stringContaining("paused, outside its window"),
    });
    expect(decision.waiting).toBeUndefined();
  });

  it("does not start a second etcd member while one is in progress", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "etcd-1" ? { ...n, unschedulable: true, claim: claim(), jobs: [job("etcd-1", 1, "Running")] } : n,
    );
    const decision = decideRollout(input(nodes, { lock: { holder: OWNER, holderGone: false } }));
    expect(claimed(decision)).toEqual([]);
    expect(decision.progress.get("etcd-1")).toMatchObject({ phase: "Running", attempts: 1 });
    expect(decision.lock).toBe("none");
  });

  it("waits with EtcdUnhealthy when any etcd member is unhealthy, touching nothing", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "server-2"
        ? { ...n, mirrorPods: n.mirrorPods.map((p) => (p.name.startsWith("etcd-") ? { ...p, ready: false } : p)) }
        : n,
    );
    const decision = decideRollout(input(nodes));
    expect(decision.steps).toEqual([]);
    expect(decision.waiting).toEqual({
      reason: "EtcdUnhealthy",
      message: "etcd quorum guard: etcd-server-2 is not Ready",
    });
  });

  it("guards control-plane nodes with the etcd quorum guard too", () => {
    const nodes = demoNodes().map((n) => {
      if (n.tier === "etcd") return { ...n, doneHash: TARGET, ready: n.name !== "server-1" };
      return n;
    });
    const decision = decideRollout(input(nodes));
    expect(claimed(decision)).toEqual([]);
    expect(decision.waiting?.reason).toBe("EtcdUnhealthy");
  });

  it("moves to the control-plane tier once every etcd node is done, then to workers with their concurrency and drain", () => {
    const etcdDone = demoNodes().map((n) => (n.tier === "etcd" ? { ...n, doneHash: TARGET } : n));
    expect(claimed(decideRollout(input(etcdDone)))).toEqual(["cp-1"]);
    const serversDone = etcdDone.map((n) => (n.tier === "control-plane" ? { ...n, doneHash: TARGET } : n));
    const decision = decideRollout(input(serversDone));
    expect(claimed(decision)).toEqual(["agent-1", "agent-2"]);
    const first = step(decision, "agent-1");
    if (first?.kind !== "writeClaim") throw new Error("expected a claim");
    expect(first.then?.drain).toEqual({
      spec: expect.objectContaining({ enabled: true, timeout: "10m" }),
      deadlineMs: T0 + 600_000,
    });
    expect(decision.progress.get("agent-1")?.phase).toBe("Draining");
  });

  it("resolves percentages against the tier and never goes below one", () => {
    const workers = Array.from({ length: 10 }, (_, i) => node(`w-${String(i).padStart(2, "0")}`, "worker"));
    expect(
      claimed(
        decideRollout(
          input(workers, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: "30%" } }) }),
        ),
      ),
    ).toHaveLength(3);
    expect(
      claimed(
        decideRollout(
          input(workers, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: "5%" } }) }),
        ),
      ),
    ).toHaveLength(1);
  });

  it("keeps a node cordoned before the rollout cordoned: remembered in the claim, no cordon, no uncordon", () => {
    const decision = decideRollout(input([node("agent-1", "worker", { unschedulable: true })]));
    const first = step(decision, "agent-1");
    expect(first).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ wasUnschedulable: true }),
    });
    const done = decideRollout(
      input([healthyAfterJob("agent-1", "worker", { claim: claim({ wasUnschedulable: true }) })]),
      settled("agent-1"),
    );
    expect(step(done, "agent-1")).toMatchObject({ kind: "finish", uncordon: false });
  });

  it("waits for the lock another operation holds, and takes over the lock of a holder that is gone", () => {
    const held = decideRollout(input(demoNodes(), { lock: { holder: "CertRotation/default", holderGone: false } }));
    expect(held.steps).toEqual([]);
    expect(held.waiting?.reason).toBe("DisruptionLockHeld");
    const gone = decideRollout(input(demoNodes(), { lock: { holder: "CertRotation/default", holderGone: true } }));
    expect(claimed(gone)).toEqual(["etcd-1"]);
    expect(gone.lock).toBe("acquire");
  });

  it("skips nodes done for this target, redoes nodes done for an older one, and labels nodes already there", () => {
    const nodes = [
      node("agent-1", "worker", { doneHash: TARGET }),
      node("agent-2", "worker", { doneHash: OLD_TARGET }),
      node("agent-3", "worker", { satisfied: true }),
    ];
    const decision = decideRollout(
      input(nodes, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: 5 } }) }),
    );
    expect(claimed(decision)).toEqual(["agent-2"]);
    expect(finished(decision)).toEqual(["agent-3"]);
    // Label only: the claim annotation of a free node is not ours (another owner may claim it now).
    expect(step(decision, "agent-3")).toEqual({ kind: "label", node: "agent-3", tier: "worker" });
  });

  it("works a node already there that a deleted owner left claimed like any other (its Job may just have run): claim, Job, health gate", () => {
    const orphanedClaim = claim({ owner: "CertRotation/gone" });
    const left = node("agent-1", "worker", { satisfied: true, unschedulable: true, orphanedClaim });
    const first = step(decideRollout(input([left])), "agent-1");
    expect(first).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ owner: OWNER, wasUnschedulable: false }),
    });
  });

  it("leaves nodes another owner claimed alone and does not pass their tier", () => {
    const other = node("server-1", "etcd+cp", { unschedulable: true, claim: claim({ owner: "CertRotation/default" }) });
    const decision = decideRollout(input([other, node("agent-1", "worker")]));
    expect(decision.steps).toEqual([]);
  });

  it("takes over a node whose claim's owner was deleted, keeping that claim's memory of the admin's cordon", () => {
    const orphan = node("agent-1", "worker", {
      unschedulable: true,
      orphanedClaim: claim({ owner: "UpgradePlan/deleted", wasUnschedulable: false }),
    });
    const decision = decideRollout(input([orphan]));
    expect(step(decision, "agent-1")).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ owner: OWNER, wasUnschedulable: false }),
    });
  });

  it("ignores unselected nodes", () => {
    const decision = decideRollout(input([node("etcd-1", "etcd", { selected: false }), node("agent-1", "worker")]));
    expect(claimed(decision)).toEqual(["agent-1"]);
  });
});

describe("decideRollout: nodes in progress", () => {
  const held = { holder: OWNER, holderGone: false };

  it("finishes a node healthy for the settle time: label, uncordon, release the lock", () => {
    const decision = decideRollout(input([healthyAfterJob("etcd-1", "etcd")], { lock: held }), settled("etcd-1"));
    expect(decision.steps).toEqual([
      { kind: "finish", node: "etcd-1", tier: "etcd", uncordon: true, durationMs: 60_000 },
    ]);
    expect(decision.lock).toBe("release");
    expect(decision.done.has("etcd-1")).toBe(true);
  });

  it("keeps the lock when finishing one node starts the next in the same round", () => {
    const nodes = [healthyAfterJob("etcd-1", "etcd"), node("server-1", "etcd+cp")];
    const decision = decideRollout(input(nodes, { lock: held }), settled("etcd-1"));
    expect(finished(decision)).toEqual(["etcd-1"]);
    // The finished node's own etcd pod is healthy again: the guard lets the next member start.
    expect(claimed(decision)).toEqual(["server-1"]);
    expect(decision.lock).toBe("none");
  });

  it.each([
    [
      "the kubelet still reports the old version",
      { kubeletVersion: "v1.30.6+rke2r1" },
      "kubelet reports v1.30.6+rke2r1, waiting for v1.31.4+rke2r1",
    ],
    ["the node is not Ready", { ready: false }, "node is not Ready"],
    [
      "it became Ready 10 s ago",
      { readySinceMs: T0 - 10_000 },
      `healthy since ${new Date(T0 - 10_000).toISOString()}, settling 30s`,
    ],
  ])("waits in WaitingHealthy while %s", (_, overrides, message) => {
    const decision = decideRollout(
      input([healthyAfterJob("etcd-1", "etcd", overrides)], { lock: held }),
      settled("etcd-1"),
    );
    expect(decision.steps).toEqual([]);
    expect(decision.progress.get("etcd-1")).toMatchObject({ phase: "WaitingHealthy", message });
    expect(decision.requeueAfterMs).toBeGreaterThan(0);
  });

  it("starts the settle time when it first sees the node healthy, whatever the timestamps say", () => {
    const decision = decideRollout(input([healthyAfterJob("etcd-1", "etcd")], { lock: held }));
    expect(decision.steps).toEqual([]);
    expect(decision.progress.get("etcd-1")?.message).toBe(`healthy since ${new Date(T0).toISOString()}, settling 30s`);
    expect(decision.healthy).toEqual(new Set(["etcd-1"]));
  });

  it("waits for a missing or unready mirror pod of the node's roles", () => {
    const base = healthyAfterJob("server-1", "etcd+cp");
    const unready = {
      ...base,
      mirrorPods: base.mirrorPods.map((p) => (p.name === "kube-apiserver-server-1" ? { ...p, ready: false } : p)),
    };
    expect(decideRollout(input([unready], { lock: held })).progress.get("server-1")?.message).toBe(
      "kube-system/kube-apiserver-server-1 is not Ready",
    );
  });

  it("fails the attempt after the health-gate timeout and begins the next one, removing the old Job first", () => {
    const late = healthyAfterJob("etcd-1", "etcd", {
      ready: false,
      jobs: [job("etcd-1", 1, "Succeeded", { finishedAtMs: T0 - 16 * 60_000 })],
    });
    const decision = decideRollout(input([late], { lock: held }));
    const next = step(decision, "etcd-1");
    expect(next).toMatchObject({
      kind: "writeClaim",
      deleteJobs: ["upgrade-p-etcd-1-a1"],
      then: undefined,
      claim: expect.objectContaining({ attempts: 2 }),
    });
    expect(decision.events.map((e) => e.reason)).toEqual(["AttemptFailed"]);
  });

  it("halts after the last attempt: failed claim, node stays cordoned, nothing else starts", () => {
    const nodes = [
      node("agent-1", "worker", {
        unschedulable: true,
        claim: claim({ attempts: 2 }),
        jobs: [job("agent-1", 2, "Failed", { message: "boom" })],
      }),
      node("agent-2", "worker"),
    ];
    const decision = decideRollout(input(nodes, { lock: held }));
    expect(decision.steps).toEqual([
      expect.objectContaining({
        kind: "writeClaim",
        node: "agent-1",
        uncordon: false,
        claim: expect.objectContaining({ failed: "boom" }),
      }),
    ]);
    expect(decision.progress.get("agent-1")).toMatchObject({ phase: "Failed", message: "boom" });
    expect(decision.events.map((e) => e.reason)).toEqual(["AttemptFailed", "NodeFailed"]);
    // The failed node is still cordoned by us: the lock stays held.
    expect(decision.lock).toBe("none");
  });

  it("stays halted until asked to retry, then retries the failed node first", () => {
    const failed = node("agent-1", "worker", {
      unschedulable: true,
      claim: claim({ attempts: 2, attemptStartedAt: undefined, failed: "boom" }),
      jobs: [job("agent-1", 2, "Failed")],
    });
    const nodes = [failed, node("agent-2", "worker")];
    const halted = decideRollout(input(nodes, { lock: held }));
    expect(halted.steps).toEqual([]);
    const retried = decideRollout(
      input(nodes, {
        lock: held,
        retryFailed: true,
        policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: 1 } }),
      }),
    );
    expect(retried.steps).toEqual([
      expect.objectContaining({
        kind: "writeClaim",
        node: "agent-1",
        deleteJobs: ["upgrade-p-agent-1-a2"],
        claim: expect.objectContaining({ attempts: 1 }),
      }),
    ]);
    expect(retried.events.map((e) => e.reason)).toEqual(["NodeRetried"]);
  });

  it("uncordons a node whose last drain timed out, naming the last drain report", () => {
    const draining = node("agent-1", "worker", {
      unschedulable: true,
      claim: claim({ attempts: 2, attemptStartedAt: new Date(T0 - 11 * 60_000).toISOString() }),
    });
    const decision = decideRollout(input([draining], { lock: held }), {
      drainMessages: new Map([["agent-1", "eviction of demo/web-1 refused by PodDisruptionBudget web"]]),
    });
    expect(decision.steps).toEqual([expect.objectContaining({ kind: "writeClaim", uncordon: true })]);
    expect(decision.progress.get("agent-1")?.message).toBe(
      "drain did not finish within 10m: eviction of demo/web-1 refused by PodDisruptionBudget web",
    );
    expect(decision.lock).toBe("release");
  });

  it("fails a drain configuration error at once, whatever attempts are left", () => {
    const draining = node("agent-1", "worker", { unschedulable: true, claim: claim() });
    const decision = decideRollout(input([draining], { lock: held }), {
      drainFailures: new Map([["agent-1", "two budgets"]]),
    });
    expect(decision.progress.get("agent-1")).toMatchObject({ phase: "Failed", message: "two budgets" });
  });

  it("on a new target removes the old Jobs and starts the node over; done nodes of the new target stay done", () => {
    const nodes = [
      node("etcd-1", "etcd", { doneHash: TARGET }),
      node("server-1", "etcd+cp", {
        unschedulable: true,
        claim: claim({ target: OLD_TARGET }),
        jobs: [{ ...job("server-1", 1, "Running"), name: "old-job" }],
      }),
    ];
    const decision = decideRollout(input(nodes, { lock: held }));
    expect(decision.steps).toEqual([
      expect.objectContaining({
        kind: "writeClaim",
        node: "server-1",
        deleteJobs: ["old-job"],
        then: undefined,
        claim: expect.objectContaining({ target: TARGET, attempts: 1 }),
      }),
    ]);
    expect(decision.events.map((e) => e.reason)).toEqual(["Retargeted"]);
  });

  it("re-cordons a claimed node someone uncordoned before its Job runs", () => {
    const decision = decideRollout(input([node("cp-1", "cp", { claim: claim() })], { lock: held }));
    expect(decision.steps).toEqual([
      expect.objectContaining({ kind: "writeClaim", cordon: true, then: expect.objectContaining({ attempt: 1 }) }),
    ]);
  });

  it("waits for an old Job being deleted before creating the next one", () => {
    const waiting = node("agent-1", "worker", {
      unschedulable: true,
      claim: claim({ attempts: 2 }),
      jobs: [job("agent-1", 1, "Failed", { deleting: true })],
    });
    const decision = decideRollout(input([waiting], { lock: held }));
    expect(decision.steps).toEqual([]);
    expect(decision.progress.get("agent-1")?.message).toBe("waiting for earlier Job(s) upgrade-p-agent-1-a1 to go");
  });
});
