import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import {
  claim,
  healthyAfterJob,
  input,
  job,
  node,
  OLD_TARGET,
  OWNER,
  policy,
  T0,
  TARGET,
  claimed,
  finished,
  settled,
  step,
} from "./fixtures.ts";

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
