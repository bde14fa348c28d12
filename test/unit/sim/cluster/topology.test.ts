import { describe, expect, it } from "@jest/globals";
import { demoTopology, expandTopology, scaleTopology } from "../../../../src/sim/cluster/topology.ts";
import { buildMirrorPods, buildNodeStatus } from "../../../../src/sim/cluster/node-objects.ts";
import { scaleDurations } from "../../../../src/sim/cluster/durations.ts";
import { runningPodStatus, terminatedPodStatus } from "../../../../src/sim/cluster/pod-status.ts";
import type { Pod } from "../../../../src/sim/cluster/kinds.ts";

describe("topology", () => {
  const nodes = expandTopology(demoTopology());

  it("the demo has 1 etcd-only, 2 etcd+cp, 1 cp-only and 3 agents with RKE2's labels", () => {
    expect(nodes.map((n) => n.name)).toEqual([
      "etcd-1",
      "server-1",
      "server-2",
      "cp-1",
      "agent-1",
      "agent-2",
      "agent-3",
    ]);
    expect(nodes[1]?.labels).toMatchObject({
      "node-role.kubernetes.io/etcd": "true",
      "node-role.kubernetes.io/control-plane": "true",
      "node-role.kubernetes.io/master": "true",
      "kubernetes.io/hostname": "server-1",
      "node.kubernetes.io/instance-type": "rke2",
    });
    expect(nodes[4]?.labels["node-role.kubernetes.io/etcd"]).toBeUndefined();
  });

  it.each([
    ["etcd-1", [{ key: "node-role.kubernetes.io/etcd", value: "true", effect: "NoExecute" }]],
    ["server-1", []],
    ["cp-1", [{ key: "node-role.kubernetes.io/control-plane", value: "true", effect: "NoSchedule" }]],
    ["agent-1", []],
  ])("taints of %s", (name, taints) => {
    expect(nodes.find((n) => n.name === name)?.taints).toEqual(taints);
  });

  it("split-role taints can be turned off; names must be unique", () => {
    expect(expandTopology({ ...demoTopology(), taintSplitRoles: false }).every((n) => n.taints.length === 0)).toBe(
      true,
    );
    expect(() =>
      expandTopology({
        servers: [{ name: "a", roles: { etcd: true, controlPlane: true } }],
        agents: ["a"],
        version: "v1.30.6+rke2r1",
      }),
    ).toThrow(/duplicate/);
    expect(expandTopology(scaleTopology(1000))).toHaveLength(1000);
  });

  it("mirror pods follow roles and are owned by the node", () => {
    const pods = buildMirrorPods(nodes[0]!, "uid-1", "v1.30.6+rke2r1");
    expect(pods.map((p) => p.metadata.name)).toEqual(["etcd-etcd-1"]);
    expect(pods[0]?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "Node",
      name: "etcd-1",
      uid: "uid-1",
      controller: true,
    });
    expect(buildMirrorPods(nodes[3]!, "u", "v1.30.6+rke2r1").map((p) => p.metadata.name)).toEqual([
      "kube-apiserver-cp-1",
      "kube-controller-manager-cp-1",
      "kube-scheduler-cp-1",
    ]);
  });

  it.each([
    ["ready", "True"],
    ["restarting", "Unknown"],
    ["not-ready", "False"],
  ] as const)("node health %s posts Ready=%s and the version", (health, status) => {
    const s = buildNodeStatus(nodes[0]!, "v1.31.2+rke2r1", health, 0, undefined);
    expect(s.conditions?.find((c) => c.type === "Ready")?.status).toBe(status);
    expect(s.nodeInfo?.kubeletVersion).toBe("v1.31.2+rke2r1");
  });

  it("compresses durations with a floor on heartbeats", () => {
    expect(scaleDurations(0.01)).toMatchObject({ restartMs: 600, heartbeatMs: 250 });
    expect(() => scaleDurations(0)).toThrow();
  });
});

describe("kubelet pod statuses", () => {
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "n", uid: "u" },
    spec: { containers: [{ name: "c", image: "img:1" }] },
  };

  it("running and ready", () => {
    const status = runningPodStatus(pod, {
      hostIP: "10.0.0.1",
      podIP: "10.42.0.5",
      ready: true,
      startedMs: 0,
      nowMs: 1000,
    });
    expect(status).toMatchObject({ phase: "Running", podIP: "10.42.0.5", startTime: "1970-01-01T00:00:00Z" });
    expect(status.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(status.containerStatuses?.[0]?.state.running).toBeDefined();
  });

  it.each([
    [0, "Succeeded", "Completed"],
    [1, "Failed", "Error"],
  ] as const)("terminated with exit %i is %s", (exitCode, phase, reason) => {
    const status = terminatedPodStatus(pod, { exitCode, message: "{}", nowMs: 5000 });
    expect(status.phase).toBe(phase);
    expect(status.containerStatuses?.[0]?.state.terminated).toMatchObject({ exitCode, reason, message: "{}" });
  });
});
