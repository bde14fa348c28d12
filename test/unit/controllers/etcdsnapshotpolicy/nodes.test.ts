import { describe, expect, it } from "@jest/globals";
import {
  chooseNodes,
  etcdNodeStates,
  type NodeLike,
  type PodLike,
} from "../../../../src/controllers/etcdsnapshotpolicy/nodes.ts";

function node(
  name: string,
  ready: boolean,
  extra: { etcd?: boolean; cordoned?: boolean; deleting?: boolean } = {},
): NodeLike {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      labels: extra.etcd === false ? {} : { "node-role.kubernetes.io/etcd": "true" },
      ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: { unschedulable: extra.cordoned ?? false },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function etcdPod(nodeName: string, ready: boolean): [string, PodLike] {
  return [
    `etcd-${nodeName}`,
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: `etcd-${nodeName}`, namespace: "kube-system" },
      status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
    },
  ];
}

describe("etcdNodeStates", () => {
  it("is healthy only with a Ready Node and a Ready etcd mirror pod", () => {
    const members = etcdNodeStates(
      [
        node("c", true),
        node("a", true),
        node("b", false),
        node("d", true),
        node("e", true, { deleting: true }),
        node("agent", true, { etcd: false }),
      ],
      new Map([etcdPod("a", true), etcdPod("b", true), etcdPod("c", false), etcdPod("e", true)]),
    );
    expect(members).toEqual([
      { name: "a", healthy: true, cordoned: false },
      { name: "b", healthy: false, reason: "the Node is not Ready", cordoned: false },
      { name: "c", healthy: false, reason: "etcd pod etcd-c is not Ready", cordoned: false },
      { name: "d", healthy: false, reason: "no etcd mirror pod kube-system/etcd-d", cordoned: false },
      { name: "e", healthy: false, reason: "the Node is being deleted", cordoned: false },
    ]);
  });
});

describe("chooseNodes", () => {
  const members = [
    { name: "a", healthy: true, cordoned: false },
    { name: "b", healthy: true, cordoned: true },
    { name: "c", healthy: false, reason: "the Node is not Ready", cordoned: false },
  ];
  it.each([
    ["OneEtcdNode prefers an uncordoned healthy member", "OneEtcdNode", new Set<string>(), { ok: true, nodes: ["a"] }],
    [
      "OneEtcdNode takes a cordoned one when the others are busy",
      "OneEtcdNode",
      new Set(["a"]),
      { ok: true, nodes: ["b"] },
    ],
    [
      "OneEtcdNode waits when all healthy are busy",
      "OneEtcdNode",
      new Set(["a", "b"]),
      { ok: false, reason: "every healthy etcd member is busy with a snapshot save: a, b" },
    ],
    ["AllEtcdNodes takes the healthy ones", "AllEtcdNodes", new Set<string>(), { ok: true, nodes: ["a", "b"] }],
    [
      "AllEtcdNodes waits for a busy one",
      "AllEtcdNodes",
      new Set(["b"]),
      { ok: false, reason: "waiting for the snapshot save running on b" },
    ],
  ] as const)("%s", (_case, mode, busy, expected) => {
    expect(chooseNodes(mode, members, busy, "slot/x")).toEqual(expected);
  });

  it("spreads OneEtcdNode runs over the members by run identity, deterministically", () => {
    const healthy = ["a", "b", "c"].map((name) => ({ name, healthy: true, cordoned: false }));
    const picks = Array.from({ length: 30 }, (_, i) => chooseNodes("OneEtcdNode", healthy, new Set(), `slot/${i}`));
    expect(new Set(picks.map((p) => (p.ok ? p.nodes[0] : "")))).toEqual(new Set(["a", "b", "c"]));
    expect(chooseNodes("OneEtcdNode", healthy, new Set(), "slot/7")).toEqual(
      chooseNodes("OneEtcdNode", healthy, new Set(), "slot/7"),
    );
  });

  it("says why nothing can be chosen", () => {
    expect(chooseNodes("OneEtcdNode", [], new Set(), "x")).toEqual({
      ok: false,
      reason: "no node has the label node-role.kubernetes.io/etcd=true",
    });
  });
});
