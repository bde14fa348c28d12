import { describe, expect, it } from "@jest/globals";
import { pickNode, podFitsNode } from "../../../../src/sim/controllers/scheduling.ts";
import type { Node, PodSpec, Taint } from "../../../../src/sim/cluster/kinds.ts";
import { matchesSelector } from "../../../../src/sim/controllers/selectors.ts";

function node(
  name: string,
  options: { taints?: Taint[]; unschedulable?: boolean; ready?: boolean; labels?: Record<string, string> } = {},
): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...options.labels } },
    spec: {
      ...(options.taints ? { taints: options.taints } : {}),
      ...(options.unschedulable ? { unschedulable: true } : {}),
    },
    status: { conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }] },
  };
}

const spec = (extra: Partial<PodSpec> = {}): PodSpec => ({ containers: [], ...extra });
const etcdTaint: Taint = { key: "node-role.kubernetes.io/etcd", value: "true", effect: "NoExecute" };

describe("scheduling predicate", () => {
  it.each<[string, PodSpec, Node, boolean]>([
    ["plain pod on a plain node", spec(), node("w1"), true],
    ["cordoned node", spec(), node("w1", { unschedulable: true }), false],
    [
      "cordoned node, pod tolerates unschedulable",
      spec({ tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] }),
      node("w1", { unschedulable: true }),
      true,
    ],
    ["NotReady node", spec(), node("w1", { ready: false }), false],
    [
      "NotReady node, tolerate-everything pod",
      spec({ tolerations: [{ operator: "Exists" }] }),
      node("w1", { ready: false }),
      true,
    ],
    ["untolerated NoExecute taint", spec(), node("e1", { taints: [etcdTaint] }), false],
    [
      "tolerated by key+value",
      spec({ tolerations: [{ key: etcdTaint.key, operator: "Equal", value: "true" }] }),
      node("e1", { taints: [etcdTaint] }),
      true,
    ],
    [
      "wrong value does not tolerate",
      spec({ tolerations: [{ key: etcdTaint.key, operator: "Equal", value: "false" }] }),
      node("e1", { taints: [etcdTaint] }),
      false,
    ],
    [
      "wrong effect does not tolerate",
      spec({ tolerations: [{ key: etcdTaint.key, operator: "Exists", effect: "NoSchedule" }] }),
      node("e1", { taints: [etcdTaint] }),
      false,
    ],
    ["PreferNoSchedule is ignored", spec(), node("w1", { taints: [{ key: "x", effect: "PreferNoSchedule" }] }), true],
    ["nodeSelector on hostname matches", spec({ nodeSelector: { "kubernetes.io/hostname": "w1" } }), node("w1"), true],
    ["nodeSelector on hostname differs", spec({ nodeSelector: { "kubernetes.io/hostname": "w2" } }), node("w1"), false],
    ["nodeName pins", spec({ nodeName: "w2" }), node("w1"), false],
    [
      "required affinity by hostname",
      spec({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["w1"] }] },
              ],
            },
          },
        },
      }),
      node("w1"),
      true,
    ],
    [
      "required affinity by metadata.name field (DaemonSet style)",
      spec({
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["w2"] }] }],
            },
          },
        },
      }),
      node("w1"),
      false,
    ],
    [
      "empty affinity term matches nothing",
      spec({
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } },
      }),
      node("w1"),
      false,
    ],
  ])("%s", (_label, podSpec, target, fits) => {
    expect(podFitsNode(podSpec, target).fits).toBe(fits);
  });

  it("picks the least loaded feasible node, then by name", () => {
    const nodes = [node("w3"), node("w1"), node("w2", { unschedulable: true })];
    expect(
      pickNode(
        { spec: spec() },
        nodes,
        new Map([
          ["w1", 2],
          ["w3", 1],
        ]),
      )?.metadata.name,
    ).toBe("w3");
    expect(pickNode({ spec: spec() }, nodes, new Map())?.metadata.name).toBe("w1");
    expect(pickNode({ spec: spec({ nodeSelector: { zone: "none" } }) }, nodes, new Map())).toBeUndefined();
  });
});

describe("label selectors", () => {
  it.each<[Record<string, string>, Parameters<typeof matchesSelector>[1], boolean]>([
    [{ app: "web" }, undefined, false],
    [{ app: "web" }, {}, true],
    [{ app: "web" }, { matchLabels: { app: "web" } }, true],
    [{ app: "db" }, { matchLabels: { app: "web" } }, false],
    [{ app: "web", tier: "a" }, { matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }] }, true],
    [{ app: "web" }, { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["a"] }] }, true],
    [{ app: "web" }, { matchExpressions: [{ key: "tier", operator: "Exists" }] }, false],
    [{ app: "web" }, { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, true],
  ])("%j against %j is %s", (labels, selector, expected) => {
    expect(matchesSelector(labels, selector)).toBe(expected);
  });
});
