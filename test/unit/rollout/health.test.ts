import { describe, expect, it } from "@jest/globals";
import { etcdQuorumGuard, evaluateHealth, type HealthInput } from "../../../src/rollout/health.ts";

const T = Date.UTC(2026, 0, 1);
const gate = { timeoutMs: 600_000, settleMs: 30_000, kubeletVersion: "v1.31.4+rke2r1" };
const base: HealthInput = {
  now: T,
  jobFinishedAtMs: T - 120_000,
  node: { ready: true, readySinceMs: T - 60_000, kubeletVersion: "v1.31.4+rke2r1" },
  mirrorPods: [{ name: "etcd-n", exists: true, ready: true, readySinceMs: T - 50_000 }],
  gate,
  observedHealthySinceMs: T - 40_000,
};

describe("evaluateHealth", () => {
  it.each<[string, Partial<HealthInput>, ReturnType<typeof evaluateHealth>]>([
    ["healthy and settled", {}, { state: "healthy" }],
    [
      "first seen healthy now: the settle starts now",
      { observedHealthySinceMs: undefined },
      {
        state: "waiting",
        message: `healthy since ${new Date(T).toISOString()}, settling 30s`,
        recheckInMs: 30_000,
        settling: true,
      },
    ],
    [
      "settling: the latest Ready transition decides",
      { mirrorPods: [{ name: "etcd-n", exists: true, ready: true, readySinceMs: T - 10_000 }] },
      {
        state: "waiting",
        message: `healthy since ${new Date(T - 10_000).toISOString()}, settling 30s`,
        recheckInMs: 20_000,
        settling: true,
      },
    ],
    [
      "readiness from before the Job ended proves nothing",
      {
        jobFinishedAtMs: T - 5_000,
        node: { ready: true, readySinceMs: T - 3_600_000, kubeletVersion: "v1.31.4+rke2r1" },
      },
      {
        state: "waiting",
        message: `healthy since ${new Date(T - 5_000).toISOString()}, settling 30s`,
        recheckInMs: 25_000,
        settling: true,
      },
    ],
    [
      "old kubelet",
      { node: { ready: true, readySinceMs: T - 60_000, kubeletVersion: "v1.30.6+rke2r1" } },
      {
        state: "waiting",
        message: "kubelet reports v1.30.6+rke2r1, waiting for v1.31.4+rke2r1",
        recheckInMs: 480_000,
        settling: false,
      },
    ],
    [
      "no version check (CertRotation)",
      {
        node: { ready: true, readySinceMs: T - 60_000, kubeletVersion: "v1.30.6+rke2r1" },
        gate: { timeoutMs: 600_000, settleMs: 30_000 },
      },
      { state: "healthy" },
    ],
    [
      "missing mirror pod",
      { mirrorPods: [{ name: "etcd-n", exists: false, ready: false, readySinceMs: 0 }] },
      { state: "waiting", message: "mirror pod kube-system/etcd-n not found", recheckInMs: 480_000, settling: false },
    ],
    [
      "not Ready past the timeout",
      { node: { ready: false, readySinceMs: T, kubeletVersion: "v1.31.4+rke2r1" }, jobFinishedAtMs: T - 600_000 },
      { state: "timedOut", message: "not healthy 10m after its Job ended: node is not Ready" },
    ],
  ])("%s", (_, overrides, expected) => {
    expect(evaluateHealth({ ...base, ...overrides })).toEqual(expected);
  });

  it("settles from when the engine first saw it healthy, when that is later than the (whole-second) timestamps", () => {
    expect(evaluateHealth({ ...base, observedHealthySinceMs: T - 1_000 })).toEqual({
      state: "waiting",
      message: `healthy since ${new Date(T - 1_000).toISOString()}, settling 30s`,
      recheckInMs: 29_000,
      settling: true,
    });
    expect(evaluateHealth({ ...base, observedHealthySinceMs: T - 30_000 })).toEqual({ state: "healthy" });
  });

  it("never times out a node that is healthy but still settling", () => {
    const late = evaluateHealth({
      ...base,
      jobFinishedAtMs: T - 700_000,
      node: { ready: true, readySinceMs: T - 1_000, kubeletVersion: "v1.31.4+rke2r1" },
    });
    expect(late.state).toBe("waiting");
  });
});

describe("evaluateHealth: an upgrade Job that exited 0 without restarting rke2", () => {
  const old = "v1.30.6+rke2r1";
  // Ready since long before the Job ended: nothing restarted.
  const stayedUp = { ready: true, readySinceMs: T - 3_600_000, kubeletVersion: old };

  it("is told apart once the grace period has passed, before the gate's timeout", () => {
    const verdict = evaluateHealth({ ...base, jobFinishedAtMs: T - 180_000, node: stayedUp });
    expect(verdict.state).toBe("notRestarted");
    expect(verdict.state === "notRestarted" && verdict.message).toBe(
      "the upgrade Job succeeded but rke2 was not restarted: 3m later the kubelet still reports " +
        "v1.30.6+rke2r1 (not v1.31.4+rke2r1) and the node never left Ready. rancher/rke2-upgrade exits 0 " +
        "without a restart when the node's binary already matches; " +
        "restart rke2 on the node (systemctl restart rke2-server or rke2-agent)",
    );
  });

  it.each<[string, Partial<HealthInput>]>([
    ["within the grace period", { jobFinishedAtMs: T - 170_000, node: stayedUp }],
    [
      "the node went NotReady and back: a restart is under way",
      { jobFinishedAtMs: T - 300_000, node: { ...stayedUp, readySinceMs: T - 200_000 } },
    ],
    ["the node is NotReady", { jobFinishedAtMs: T - 300_000, node: { ...stayedUp, ready: false } }],
    [
      "the kubelet reports the target",
      { jobFinishedAtMs: T - 300_000, node: { ...stayedUp, kubeletVersion: gate.kubeletVersion } },
    ],
    [
      "no version to wait for (CertRotation)",
      { jobFinishedAtMs: T - 300_000, node: stayedUp, gate: { timeoutMs: 600_000, settleMs: 30_000 } },
    ],
  ])("is not concluded %s", (_, overrides) => {
    expect(evaluateHealth({ ...base, ...overrides }).state).not.toBe("notRestarted");
  });

  it("waits half the gate's timeout when that is shorter than the grace period", () => {
    const short = { timeoutMs: 120_000, settleMs: 10_000, kubeletVersion: gate.kubeletVersion };
    expect(evaluateHealth({ ...base, gate: short, jobFinishedAtMs: T - 59_000, node: stayedUp }).state).toBe("waiting");
    expect(evaluateHealth({ ...base, gate: short, jobFinishedAtMs: T - 60_000, node: stayedUp }).state).toBe(
      "notRestarted",
    );
  });
});

describe("etcdQuorumGuard", () => {
  const healthy = (name: string) => ({ name, ready: true, etcdPodReady: true, claimedBy: undefined });
  it("passes when every member is healthy and idle", () => {
    expect(etcdQuorumGuard([healthy("a"), healthy("b"), healthy("c")])).toEqual({ ok: true });
  });
  it("names every blocking member", () => {
    const verdict = etcdQuorumGuard([
      { ...healthy("a"), ready: false },
      { ...healthy("b"), etcdPodReady: false },
      { ...healthy("c"), claimedBy: "CertRotation/x" },
    ]);
    expect(verdict).toEqual({
      ok: false,
      message: "etcd quorum guard: a is not Ready; etcd-b is not Ready; c is being worked on by CertRotation/x",
    });
  });
  it("lets a member that is already out be retried while the others are healthy", () => {
    expect(etcdQuorumGuard([{ ...healthy("a"), ready: false, claimedBy: "UpgradePlan/p" }, healthy("b")], "a")).toEqual(
      { ok: true },
    );
  });
});
