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
    ["first seen healthy now: the settle starts now", { observedHealthySinceMs: undefined }, { state: "waiting", message: `healthy since ${new Date(T).toISOString()}, settling 30s`, recheckInMs: 30_000, settling: true }],
    ["settling: the latest Ready transition decides", { mirrorPods: [{ name: "etcd-n", exists: true, ready: true, readySinceMs: T - 10_000 }] }, { state: "waiting", message: `healthy since ${new Date(T - 10_000).toISOString()}, settling 30s`, recheckInMs: 20_000, settling: true }],
    ["readiness from before the Job ended proves nothing", { jobFinishedAtMs: T - 5_000, node: { ready: true, readySinceMs: T - 3_600_000, kubeletVersion: "v1.31.4+rke2r1" } }, { state: "waiting", message: `healthy since ${new Date(T - 5_000).toISOString()}, settling 30s`, recheckInMs: 25_000, settling: true }],
    ["old kubelet", { node: { ready: true, readySinceMs: T - 60_000, kubeletVersion: "v1.30.6+rke2r1" } }, { state: "waiting", message: "kubelet reports v1.30.6+rke2r1, waiting for v1.31.4+rke2r1", recheckInMs: 480_000, settling: false }],
    ["no version check (CertRotation)", { node: { ready: true, readySinceMs: T - 60_000, kubeletVersion: "v1.30.6+rke2r1" }, gate: { timeoutMs: 600_000, settleMs: 30_000 } }, { state: "healthy" }],
    ["missing mirror pod", { mirrorPods: [{ name: "etcd-n", exists: false, ready: false, readySinceMs: 0 }] }, { state: "waiting", message: "mirror pod kube-system/etcd-n not found", recheckInMs: 480_000, settling: false }],
    ["not Ready past the timeout", { node: { ready: false, readySinceMs: T, kubeletVersion: "v1.31.4+rke2r1" }, jobFinishedAtMs: T - 600_000 }, { state: "timedOut", message: "not healthy 10m after its Job ended: node is not Ready" }],
  ])("%s", (_, overrides, expected) => {
    expect(evaluateHealth({ ...base, ...overrides })).toEqual(expected);
  });

  it("settles from when the engine first saw it healthy, when that is later than the (whole-second) timestamps", () => {
    expect(evaluateHealth({ ...base, observedHealthySinceMs: T - 1_000 })).toEqual({ state: "waiting", message: `healthy since ${new Date(T - 1_000).toISOString()}, settling 30s`, recheckInMs: 29_000, settling: true });
    expect(evaluateHealth({ ...base, observedHealthySinceMs: T - 30_000 })).toEqual({ state: "healthy" });
  });

  it("never times out a node that is healthy but still settling", () => {
    const late = evaluateHealth({ ...base, jobFinishedAtMs: T - 700_000, node: { ready: true, readySinceMs: T - 1_000, kubeletVersion: "v1.31.4+rke2r1" } });
    expect(late.state).toBe("waiting");
  });
});

describe("etcdQuorumGuard", () => {
  const healthy = (name: string) => ({ name, ready: true, etcdPodReady: true, claimedBy: undefined });
  it("passes when every member is healthy and idle", () => {
    expect(etcdQuorumGuard([healthy("a"), healthy("b"), healthy("c")])).toEqual({ ok: true });
  });
  it("names every blocking member", () => {
    const verdict = etcdQuorumGuard([{ ...healthy("a"), ready: false }, { ...healthy("b"), etcdPodReady: false }, { ...healthy("c"), claimedBy: "CertRotation/x" }]);
    expect(verdict).toEqual({ ok: false, message: "etcd quorum guard: a is not Ready; etcd-b is not Ready; c is being worked on by CertRotation/x" });
  });
  it("lets a member that is already out be retried while the others are healthy", () => {
    expect(etcdQuorumGuard([{ ...healthy("a"), ready: false, claimedBy: "UpgradePlan/p" }, healthy("b")], "a")).toEqual({ ok: true });
  });
});
