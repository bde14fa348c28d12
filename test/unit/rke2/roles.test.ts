import { describe, expect, it } from "@jest/globals";
import { mirrorPodNames, rolesFromLabels, runsLinuxNodeJobs, tierOf } from "../../../src/rke2/roles.ts";

describe("roles and tiers", () => {
  it.each([
    [{ "node-role.kubernetes.io/etcd": "true" }, "etcd", []],
    [
      { "node-role.kubernetes.io/etcd": "true", "node-role.kubernetes.io/control-plane": "true" },
      "etcd",
      ["kube-apiserver"],
    ],
    [{ "node-role.kubernetes.io/control-plane": "true" }, "control-plane", ["kube-apiserver"]],
    [{ "node-role.kubernetes.io/master": "true" }, "control-plane", ["kube-apiserver"]],
    [{ "node-role.kubernetes.io/etcd": "false" }, "worker", []],
    [{}, "worker", []],
  ])("labels %j -> tier %s", (labels, tier, someComponents) => {
    const roles = rolesFromLabels(labels);
    expect(tierOf(roles)).toBe(tier);
    for (const component of someComponents) expect(mirrorPodNames("n1", roles)).toContain(`${component}-n1`);
  });

  it("names the mirror pods of an etcd+control-plane server", () => {
    expect(mirrorPodNames("s1", { etcd: true, controlPlane: true })).toEqual([
      "etcd-s1",
      "kube-apiserver-s1",
      "kube-controller-manager-s1",
      "kube-scheduler-s1",
    ]);
  });

  it.each([
    [{ "kubernetes.io/os": "linux" }, true],
    [{}, true],
    [undefined, true],
    [{ "kubernetes.io/os": "windows" }, false],
  ])("node labels %j run the Linux node Jobs: %s", (labels, expected) => {
    expect(runsLinuxNodeJobs(labels)).toBe(expected);
  });
});
