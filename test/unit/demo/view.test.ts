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
      "UpgradePlan p: Upgrading 1/7 | to v1.31.4 | tier etcd | Ready=False (Progressing) | " +
        "in progress: server-1 WaitingHealthy",
    ],
  ])("describes a plan (%#)", (input, expected) => {
    expect(describePlan(input)).toBe(expected);
  });

  it("lists nodes by tier, by name with version, readiness and cordon", () => {
    expect(
      describeNodes([
        { name: "b", tier: "worker", roles: "worker", version: "v1.31.4+rke2r1", ready: false, cordoned: true },
        { name: "c", tier: "etcd", roles: "etcd+cp", version: "v1.31.4+rke2r1", ready: true, cordoned: false },
        { name: "a", tier: "etcd", roles: "etcd", version: "v1.30.6+rke2r1", ready: true, cordoned: false },
      ]),
    ).toEqual(
      new Map([
        ["nodes:etcd", "etcd nodes: a[etcd] v1.30.6, c[etcd+cp] v1.31.4"],
        ["nodes:worker", "worker nodes: b[worker] v1.31.4 NotReady cordoned"],
      ]),
    );
  });

  it("keeps every line under 160 characters, its time prefix included", () => {
    const long = "x".repeat(400);
    const view = demoView({
      nodes: Array.from({ length: 12 }, (_, i) => ({
        name: `agent-with-a-long-name-${i}`,
        tier: "worker" as const,
        roles: "worker",
        version: "v1.31.4+rke2r1",
        ready: false,
        cordoned: true,
      })),
      plan: plan({
        observedGeneration: 1,
        phase: "Upgrading",
        targetVersion: "v1.31.4+rke2r1",
        tier: "worker",
        progress: "5/12",
        nodes: [
          { name: "agent-with-a-long-name-1", tier: "worker", phase: "Draining", attempts: 1, message: long },
          { name: "agent-with-a-long-name-2", tier: "worker", phase: "Draining", attempts: 1, message: long },
        ],
      }),
      jobs: [{ name: long, state: "Running" }],
    });
    for (const line of view.values()) expect(`[ 12.3s] ${line}`.length).toBeLessThan(160);
    expect(view.get("plan")).toMatch(/^UpgradePlan p: Upgrading 5\/12 \| to v1\.31\.4 \| tier worker \| .*\.\.\.$/);
  });

  it("prints only the lines that changed", () => {
    const first = demoView({ nodes: [], jobs: [] });
    const second = demoView({ nodes: [], jobs: [{ name: "upgrade-x", state: "Running" }] });
    expect(changedLines(new Map(), first)).toHaveLength(4);
    expect(changedLines(first, second)).toEqual(["node Jobs: 0 finished; running: upgrade-x"]);
    expect(changedLines(second, second)).toEqual([]);
  });

  it("records the order nodes reach the target and the most etcd members out at once", () => {
    const node = (name: string, roles: string, version: string, ready = true, cordoned = false) => ({
      name,
      tier: roles.includes("etcd") ? ("etcd" as const) : ("worker" as const),
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
