import { describe, expect, it } from "@jest/globals";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { changedLines, demoView, describeNodes, describePlan } from "../../../src/demo/view.ts";

const plan = (status: UpgradePlan["status"]): UpgradePlan =>
  ({ apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "UpgradePlan", metadata: { name: "p" }, spec: {}, status });

describe("demo view", () => {
  it.each([
    [undefined, "UpgradePlan: not applied"],
    [plan(undefined), "UpgradePlan p: not reconciled yet"],
    [
      plan({
        observedGeneration: 1,
        phase: "Upgrading",
        targetVersion: "v1.31.4+rke2r1",
        tier: "etcd",
        progress: "1/7",
        nodes: [{ name: "server-1", tier: "etcd", phase: "WaitingHealthy", attempts: 1 }],
        conditions: [{ type: "Ready", status: "False", reason: "Progressing", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }],
      }),
      "UpgradePlan p: Upgrading | target v1.31.4+rke2r1 | tier etcd | progress 1/7 | in progress: server-1 WaitingHealthy | Ready=False (Progressing)",
    ],
  ])("describes a plan (%#)", (input, expected) => {
    expect(describePlan(input)).toBe(expected);
  });

  it("lists nodes by name with version, readiness and cordon", () => {
    expect(
      describeNodes([
        { name: "b", roles: "worker", version: "v1.31.4+rke2r1", ready: false, cordoned: true },
        { name: "a", roles: "etcd", version: "v1.30.6+rke2r1", ready: true, cordoned: false },
      ]),
    ).toBe("nodes: a[etcd] v1.30.6, b[worker] v1.31.4 NotReady cordoned");
  });

  it("prints only the lines that changed", () => {
    const first = demoView({ nodes: [], jobs: [] });
    const second = demoView({ nodes: [], jobs: [{ name: "upgrade-x", state: "Running" }] });
    expect(changedLines(new Map(), first)).toHaveLength(5);
    expect(changedLines(first, second)).toEqual(["node Jobs: upgrade-x Running"]);
    expect(changedLines(second, second)).toEqual([]);
  });
});
