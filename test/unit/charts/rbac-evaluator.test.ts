import { describe, expect, it } from "@jest/globals";
import {
  describeGrant,
  evaluateRbac,
  grantsOf,
  requestsFromAccounting,
  type ApiRequest,
  type RbacObject,
} from "../../support/rbac.ts";

const account = { name: "op", namespace: "ops" };
const sa = [{ kind: "ServiceAccount", name: "op", namespace: "ops" }];

const clusterRole: RbacObject = {
  kind: "ClusterRole",
  metadata: { name: "op" },
  rules: [
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
  ],
};
const role: RbacObject = {
  kind: "Role",
  metadata: { name: "op", namespace: "ops" },
  rules: [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: ["leader"], verbs: ["get", "update"] },
  ],
};
const bindings: RbacObject[] = [
  { kind: "ClusterRoleBinding", metadata: { name: "op" }, roleRef: { kind: "ClusterRole", name: "op" }, subjects: sa },
  {
    kind: "RoleBinding",
    metadata: { name: "op", namespace: "ops" },
    roleRef: { kind: "Role", name: "op" },
    subjects: sa,
  },
];
const objects = [clusterRole, role, ...bindings];

const lease = (verb: string, name?: string, namespace = "ops"): ApiRequest => ({
  verb,
  group: "coordination.k8s.io",
  resource: "leases",
  namespace,
  ...(name === undefined ? {} : { name }),
});

describe("evaluateRbac", () => {
  it("allows what a rule grants and denies the rest", () => {
    const requests: ApiRequest[] = [
      { verb: "get", group: "", resource: "nodes", name: "n1" },
      { verb: "list", group: "", resource: "nodes" },
      { verb: "delete", group: "", resource: "nodes", name: "n1" },
    ];
    const verdict = evaluateRbac(objects, account, requests);
    expect(verdict.allowed).toEqual([requests[0]]);
    expect(verdict.denied).toEqual([requests[1], requests[2]]);
  });

  it("needs resource/subresource for a subresource; the plain resource does not cover it", () => {
    const evict: ApiRequest = {
      verb: "create",
      group: "",
      resource: "pods",
      subresource: "eviction",
      namespace: "apps",
      name: "p",
    };
    const createPod: ApiRequest = { verb: "create", group: "", resource: "pods", namespace: "apps" };
    const nodeStatus: ApiRequest = { verb: "patch", group: "", resource: "nodes", subresource: "status", name: "n1" };
    const verdict = evaluateRbac(objects, account, [evict, createPod, nodeStatus]);
    expect(verdict.allowed).toEqual([evict]);
    expect(verdict.denied).toEqual([createPod, nodeStatus]);
  });

  it("limits resourceNames rules to requests that name one of them", () => {
    const verdict = evaluateRbac(objects, account, [
      lease("get", "leader"),
      lease("get", "other"),
      lease("update"),
      lease("create"),
    ]);
    expect(verdict.allowed).toEqual([lease("get", "leader"), lease("create")]);
    expect(verdict.denied).toEqual([lease("get", "other"), lease("update")]);
  });

  it("applies a RoleBinding only in its own namespace, never cluster-wide", () => {
    const verdict = evaluateRbac(objects, account, [
      lease("create", undefined, "kube-system"),
      { verb: "create", group: "coordination.k8s.io", resource: "leases" },
    ]);
    expect(verdict.allowed).toEqual([]);
    expect(verdict.denied).toHaveLength(2);
  });

  it("grants a ClusterRole bound by a RoleBinding only in that namespace", () => {
    const viaRoleBinding: RbacObject[] = [
      clusterRole,
      {
        kind: "RoleBinding",
        metadata: { name: "op", namespace: "apps" },
        roleRef: { kind: "ClusterRole", name: "op" },
        subjects: sa,
      },
    ];
    const inApps: ApiRequest = {
      verb: "create",
      group: "",
      resource: "pods",
      subresource: "eviction",
      namespace: "apps",
      name: "p",
    };
    const elsewhere: ApiRequest = { ...inApps, namespace: "web" };
    const verdict = evaluateRbac(viaRoleBinding, account, [inApps, elsewhere]);
    expect(verdict.allowed).toEqual([inApps]);
    expect(verdict.denied).toEqual([elsewhere]);
  });

  it("ignores bindings of other subjects and reports bindings to missing roles", () => {
    const others: RbacObject[] = [
      clusterRole,
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "x" },
        roleRef: { kind: "ClusterRole", name: "op" },
        subjects: [{ kind: "ServiceAccount", name: "op", namespace: "elsewhere" }],
      },
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "gone" },
        roleRef: { kind: "ClusterRole", name: "missing" },
        subjects: sa,
      },
    ];
    const verdict = evaluateRbac(others, account, [{ verb: "get", group: "", resource: "nodes", name: "n" }]);
    expect(verdict.denied).toHaveLength(1);
    expect(verdict.danglingBindings).toEqual(["ClusterRoleBinding/gone"]);
  });

  it("recognises the service account's user name and groups as subjects", () => {
    const byGroup: RbacObject[] = [
      clusterRole,
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "g" },
        roleRef: { kind: "ClusterRole", name: "op" },
        subjects: [{ kind: "Group", name: "system:serviceaccounts:ops" }],
      },
    ];
    const byUser: RbacObject[] = [
      clusterRole,
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "u" },
        roleRef: { kind: "ClusterRole", name: "op" },
        subjects: [{ kind: "User", name: "system:serviceaccount:ops:op" }],
      },
    ];
    const get: ApiRequest = { verb: "get", group: "", resource: "nodes", name: "n" };
    expect(evaluateRbac(byGroup, account, [get]).allowed).toEqual([get]);
    expect(evaluateRbac(byUser, account, [get]).allowed).toEqual([get]);
    expect(evaluateRbac(byUser, { name: "op", namespace: "other" }, [get]).allowed).toEqual([]);
  });

  it("matches wildcards the way the API server does", () => {
    const wild: RbacObject[] = [
      {
        kind: "ClusterRole",
        metadata: { name: "w" },
        rules: [{ apiGroups: ["*"], resources: ["*/status"], verbs: ["*"] }],
      },
      {
        kind: "ClusterRoleBinding",
        metadata: { name: "w" },
        roleRef: { kind: "ClusterRole", name: "w" },
        subjects: sa,
      },
    ];
    const status: ApiRequest = {
      verb: "patch",
      group: "apps",
      resource: "deployments",
      subresource: "status",
      namespace: "a",
      name: "d",
    };
    const main: ApiRequest = { verb: "patch", group: "apps", resource: "deployments", namespace: "a", name: "d" };
    expect(evaluateRbac(wild, account, [status, main]).allowed).toEqual([status]);
  });

  it("lists the grants no request used, one per verb and resource", () => {
    const verdict = evaluateRbac(objects, account, [
      { verb: "get", group: "", resource: "nodes", name: "n" },
      lease("get", "leader"),
    ]);
    expect(verdict.unused.map(describeGrant).sort()).toEqual(
      [
        "create coordination.k8s.io/leases in ops (Role/ops/op)",
        "create core/pods/eviction cluster-wide (ClusterRole/op)",
        "patch core/nodes cluster-wide (ClusterRole/op)",
        "update coordination.k8s.io/leases [leader] in ops (Role/ops/op)",
      ].sort(),
    );
  });

  it("expands every rule into one grant per verb, group and resource", () => {
    const { grants } = grantsOf(objects, account);
    expect(grants).toHaveLength(2 + 1 + 1 + 2);
    expect(grants.filter((g) => g.namespace === "ops").every((g) => g.binding === "RoleBinding/ops/op")).toBe(true);
  });
});

describe("requestsFromAccounting", () => {
  it("reads the simulated API server's accounting keys and skips non-resource paths", () => {
    const requests = requestsFromAccounting({
      "create /pods/eviction apps": 3,
      "patch rke2-lifecycle.io/upgradeplans/status ": 1,
      "watch /nodes ": 1,
      "get //api/v1 ": 2,
    });
    expect(requests).toEqual([
      { verb: "create", group: "", resource: "pods", subresource: "eviction", namespace: "apps" },
      { verb: "patch", group: "rke2-lifecycle.io", resource: "upgradeplans", subresource: "status" },
      { verb: "watch", group: "", resource: "nodes" },
    ]);
  });
});
