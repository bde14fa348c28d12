import { describe, expect, it } from "@jest/globals";
import {
  preflightChecks,
  preflightReason,
  skewCheck,
  snapshotCheck,
} from "../../../../src/controllers/upgradeplan/preflight.ts";
import { parseRke2Version, type Rke2Version } from "../../../../src/rke2/versions.ts";
import { claim, demoNodes, input, node } from "../../rollout/fixtures.ts";

const NO_SKEW = { allowMinorSkip: false, allowDowngrade: false };
const v = (text: string): Rke2Version => {
  const parsed = parseRke2Version(text);
  if (!parsed) throw new Error(text);
  return parsed;
};

describe("skewCheck", () => {
  it.each<[string, string, string[], boolean, string]>([
    ["patch", "v1.30.8+rke2r1", [], true, "from v1.30.6+rke2r1 to v1.30.8+rke2r1"],
    ["next minor", "v1.31.4+rke2r1", [], true, "from v1.30.6+rke2r1 to v1.31.4+rke2r1"],
    [
      "minor skip",
      "v1.32.1+rke2r1",
      [],
      false,
      "agent-1: v1.30.6+rke2r1 -> v1.32.1+rke2r1 skips 1 minor version(s): " +
        "upgrade one minor at a time or set skew.allowMinorSkip",
    ],
    [
      "downgrade",
      "v1.30.5+rke2r1",
      [],
      false,
      "agent-1: v1.30.5+rke2r1 is older than v1.30.6+rke2r1: downgrades need skew.allowDowngrade",
    ],
    [
      "downgrade against the highest node only",
      "v1.30.7+rke2r1",
      ["agent-3"],
      false,
      "agent-3: v1.30.7+rke2r1 is older than v1.31.0+rke2r1: downgrades need skew.allowDowngrade",
    ],
    [
      "skip against the lowest node only",
      "v1.31.4+rke2r1",
      ["etcd-1=v1.29.9+rke2r1"],
      false,
      "etcd-1: v1.29.9+rke2r1 -> v1.31.4+rke2r1 skips 1 minor version(s): " +
        "upgrade one minor at a time or set skew.allowMinorSkip",
    ],
  ])("%s", (_, target, overrides, passed, message) => {
    const nodes = demoNodes().map((n) => {
      const override = overrides.find((o) => o.split("=")[0] === n.name);
      if (override === undefined) return n;
      return { ...n, kubeletVersion: override.includes("=") ? override.split("=")[1] : "v1.31.0+rke2r1" };
    });
    expect(skewCheck(v(target), nodes, NO_SKEW)).toEqual({ name: "VersionSkew", passed, message });
  });

  it("allows what the plan allows", () => {
    expect(skewCheck(v("v1.32.1+rke2r1"), demoNodes(), { allowMinorSkip: true, allowDowngrade: false }).passed).toBe(
      true,
    );
    expect(skewCheck(v("v1.30.5+rke2r1"), demoNodes(), { allowMinorSkip: false, allowDowngrade: true }).passed).toBe(
      true,
    );
  });

  it("refuses to leave kubelets a minor newer than a control-plane node the plan does not select", () => {
    const nodes = demoNodes().map((n) => ({ ...n, selected: n.tier === "worker" }));
    expect(skewCheck(v("v1.31.4+rke2r1"), nodes, NO_SKEW)).toMatchObject({
      passed: false,
      message:
        "control-plane node cp-1 stays at v1.30.6+rke2r1 (not selected): " +
        "kubelets must not be newer than the control plane",
    });
    // A patch ahead is within the skew policy.
    expect(skewCheck(v("v1.30.8+rke2r1"), nodes, NO_SKEW).passed).toBe(true);
  });

  it("reports unreadable kubelet versions", () => {
    expect(
      skewCheck(v("v1.31.4+rke2r1"), [node("agent-1", "worker", { kubeletVersion: "banana" })], NO_SKEW),
    ).toMatchObject({ passed: false, message: "kubelet version unreadable on agent-1" });
  });
});

describe("preflightChecks", () => {
  const run = (overrides: Parameters<typeof input>[1] = {}, nodes = demoNodes()) =>
    preflightChecks({ target: "v1.31.4+rke2r1", skew: NO_SKEW, input: input(nodes, overrides) });

  it("passes on a healthy cluster", () => {
    const checks = run();
    expect(checks.map((c) => [c.name, c.passed])).toEqual([
      ["TargetVersion", true],
      ["VersionSkew", true],
      ["NodesReady", true],
      ["EtcdHealthy", true],
      ["DisruptionLock", true],
    ]);
    expect(preflightReason(checks, undefined)).toBe("PreflightSucceeded");
  });

  it("names unready nodes, unhealthy etcd and the lock holder, with the reason of the first failure", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "agent-2"
        ? { ...n, ready: false }
        : n.name === "server-2"
          ? { ...n, mirrorPods: n.mirrorPods.map((p) => ({ ...p, ready: !p.name.startsWith("etcd-") })) }
          : n,
    );
    const checks = run({ lock: { holder: "CertRotation/default", holderGone: false } }, nodes);
    expect(checks.filter((c) => !c.passed)).toEqual([
      { name: "NodesReady", passed: false, message: "not Ready: agent-2" },
      { name: "EtcdHealthy", passed: false, message: "etcd quorum guard: etcd-server-2 is not Ready" },
      { name: "DisruptionLock", passed: false, message: "CertRotation/default holds the disruption lock" },
    ]);
    expect(preflightReason(checks, undefined)).toBe("NodesNotReady");
    expect(preflightReason(checks.slice(3), undefined)).toBe("EtcdUnhealthy");
  });

  it("does not count the plan's own claimed nodes against readiness (a new target mid-rollout)", () => {
    const nodes = demoNodes().map((n) => (n.name === "agent-1" ? { ...n, ready: false, claim: claim() } : n));
    expect(run({}, nodes).every((c) => c.passed)).toBe(true);
  });

  it("stops at an unreadable target", () => {
    expect(preflightChecks({ target: "latest", skew: NO_SKEW, input: input(demoNodes()) })).toEqual([
      { name: "TargetVersion", passed: false, message: "latest is not an RKE2 version such as v1.31.4+rke2r1" },
    ]);
  });
});

describe("snapshotCheck", () => {
  it("passes when not required or verified, and waits otherwise", () => {
    expect(snapshotCheck(false, undefined).passed).toBe(true);
    expect(snapshotCheck(true, { state: "Verified", message: "ok" })).toEqual({
      name: "Snapshot",
      passed: true,
      message: "ok",
    });
    expect(snapshotCheck(true, { state: "Running", message: "running on etcd-1" })).toEqual({
      name: "Snapshot",
      passed: false,
      message: "running on etcd-1",
    });
    const failed = [snapshotCheck(true, { state: "Failed", message: "s3 down" })];
    expect(preflightReason(failed, { state: "Failed", message: "s3 down" })).toBe("SnapshotFailed");
    expect(
      preflightReason([snapshotCheck(true, { state: "Running", message: "" })], { state: "Running", message: "" }),
    ).toBe("SnapshotInProgress");
  });
});
