import { describe, expect, it } from "@jest/globals";
import { groupVersionPath, queryString, requireNamespace, resourcePath } from "../../../../src/runtime/kube/paths.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
const LEASES: ResourceType = {
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
};
const SNAPSHOTS: ResourceType = {
  apiVersion: "k3s.cattle.io/v1",
  kind: "ETCDSnapshotFile",
  plural: "etcdsnapshotfiles",
  namespaced: false,
};

describe("groupVersionPath", () => {
  it.each([
    ["v1", "/api/v1"],
    ["batch/v1", "/apis/batch/v1"],
    ["rke2-lifecycle.io/v1alpha1", "/apis/rke2-lifecycle.io/v1alpha1"],
  ])("%s → %s", (apiVersion, expected) => {
    expect(groupVersionPath(apiVersion)).toBe(expected);
  });
});

describe("resourcePath", () => {
  it.each([
    { type: PODS, location: {}, expected: "/api/v1/pods" },
    { type: PODS, location: { namespace: "shop" }, expected: "/api/v1/namespaces/shop/pods" },
    { type: PODS, location: { namespace: "shop", name: "web-1" }, expected: "/api/v1/namespaces/shop/pods/web-1" },
    {
      type: PODS,
      location: { namespace: "shop", name: "web-1", subresource: "eviction" as const },
      expected: "/api/v1/namespaces/shop/pods/web-1/eviction",
    },
    { type: NODES, location: { name: "n1", subresource: "status" as const }, expected: "/api/v1/nodes/n1/status" },
    { type: NODES, location: { namespace: "ignored", name: "n1" }, expected: "/api/v1/nodes/n1" },
    {
      type: LEASES,
      location: { namespace: "rke2-lifecycle-system", name: "rke2-lifecycle-operator" },
      expected: "/apis/coordination.k8s.io/v1/namespaces/rke2-lifecycle-system/leases/rke2-lifecycle-operator",
    },
    { type: SNAPSHOTS, location: { name: "s1" }, expected: "/apis/k3s.cattle.io/v1/etcdsnapshotfiles/s1" },
  ])("$type.kind $location → $expected", ({ type, location, expected }) => {
    expect(resourcePath(type, location)).toBe(expected);
  });
});

describe("requireNamespace", () => {
  it("passes a namespace through for namespaced kinds and drops it for cluster-scoped ones", () => {
    expect(requireNamespace(PODS, "shop")).toBe("shop");
    expect(requireNamespace(NODES, "shop")).toBeUndefined();
  });
  it("throws a BadRequest KubeError for a namespaced kind without one", () => {
    expect(() => requireNamespace(PODS, undefined)).toThrow(expect.objectContaining({ errorClass: "BadRequest" }));
  });
});

describe("queryString", () => {
  it.each([
    [{}, ""],
    [{ a: undefined, b: "" }, ""],
    [
      { watch: 1, allowWatchBookmarks: true, labelSelector: "app in (a,b)" },
      "?watch=1&allowWatchBookmarks=true&labelSelector=app+in+%28a%2Cb%29",
    ],
  ])("%j → %s", (params, expected) => {
    expect(queryString(params)).toBe(expected);
  });
});
