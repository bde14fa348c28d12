import { describe, expect, it } from "@jest/globals";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { changedLines, demoView, describeNodes, describePlan, recordRollout } from "../../../src/demo/view.ts";

const plan = (status: UpgradePlan["status"]): UpgradePlan => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  metadata: { name: "p" },
  spec: {},
  status,
});

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
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "Progressing",
            message: "",
            lastTransitionTime: "2026-01-01T00:00:00Z",
          },
        ],
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
    expect(changedLines(first, second)).toEqual(["node Jobs: 0 finished; running: upgrade-x"]);
    expect(changedLines(second, second)).toEqual([]);
  });

  it("records the order nodes reach the target and the most etcd members out at once", () => {
    const node = (name: string, roles: string, version: string, ready = true, cordoned = false) => ({
      name,
      roles,
      version,
      ready,
      cordoned,
    });
    let record = { order: [] as string[], maxEtcdOut: 0 };
    record = recordRollout(
      record,
      { jobs: [], nodes: [node("e1", "etcd", "v1.30"), node("s1", "etcd+cp", "v1.30", false, true)] },
      "v1.31",
    );
    record = recordRollout(
      record,
      { jobs: [], nodes: [node("e1", "etcd", "v1.31"), node("s1", "etcd+cp", "v1.30", true, true)] },
      "v1.31",
    );
    record = recordRollout(
      record,
      { jobs: [], nodes: [node("e1", "etcd", "v1.31", false), node("s1", "etcd+cp", "v1.31", false, true)] },
      "v1.31",
    );
    expect(record).toEqual({ order: ["e1", "s1"], maxEtcdOut: 2 });
  });
});
