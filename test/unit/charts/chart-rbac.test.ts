/**
 * The chart's RBAC: no wildcards, Leases and Jobs granted as narrowly as the chart can, and exactly
 * the requests the operator and the certificate inventory make (test/unit/charts/operator-requests.ts).
 */
import { describe, expect, it } from "@jest/globals";
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import { describeGrant, evaluateRbac, type PolicyRule, type RbacObject } from "../../support/rbac.ts";
import { inventoryRequests, operatorRequests } from "./operator-requests.ts";
import { JOBS_NAMESPACE, RELEASE, RELEASE_NAMESPACE, renderChart, type Manifest } from "./render.ts";

const rendered = renderChart();
const rulesOf = (m: Manifest): PolicyRule[] => (m as unknown as RbacObject).rules ?? [];

describe("RBAC", () => {
  const rbac = rendered.filter((m) =>
    ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"].includes(m.kind),
  ) as unknown as RbacObject[];
  const roles = rendered.filter((m) => m.kind === "Role" || m.kind === "ClusterRole");

  it("uses no wildcard anywhere", () => {
    for (const rule of roles.flatMap(rulesOf)) {
      for (const value of [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs])
        expect(value).not.toContain("*");
    }
  });

  it("limits Lease rules by name where the name is known, and grants unnamed ones only in Roles", () => {
    const leaseRules = roles.flatMap((m) =>
      rulesOf(m)
        .filter((r) => r.resources?.includes("leases"))
        .map((rule) =>
          JSON.stringify([
            `${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}`,
            rule.resourceNames ?? [],
            rule.verbs,
          ]),
        ),
    );
    expect(leaseRules.sort()).toEqual(
      [
        // The operator: create cannot be limited by name.
        [`Role ${RELEASE_NAMESPACE}/${RELEASE}`, [], ["create"]],
        [`Role ${RELEASE_NAMESPACE}/${RELEASE}`, ["rke2-lifecycle-operator"], ["get", "update"]],
        [`Role ${RELEASE_NAMESPACE}/${RELEASE}`, [DISRUPTION_LOCK_NAME], ["list", "watch", "update"]],
        // The operator's informer of the inventory Leases (label selector, one Lease per node).
        [`Role ${JOBS_NAMESPACE}/${RELEASE}-jobs`, [], ["list", "watch"]],
        // The inventory writes its node's Lease; node names are not known to the chart.
        [`Role ${JOBS_NAMESPACE}/${RELEASE}-cert-inventory`, [], ["create", "patch"]],
      ]
        .map((entry) => JSON.stringify(entry))
        .sort(),
    );
  });

  it("grants Jobs only through a Role in the jobs namespace", () => {
    const holders = roles.filter((m) => rulesOf(m).some((rule) => rule.resources?.includes("jobs")));
    expect(holders.map((m) => `${m.kind} ${m.metadata.namespace ?? ""}`)).toEqual([`Role ${JOBS_NAMESPACE}`]);
  });

  it("allows every request the operator makes and grants nothing else", () => {
    const expected = operatorRequests(RELEASE_NAMESPACE, JOBS_NAMESPACE, "rke2-lifecycle-operator");
    const verdict = evaluateRbac(
      rbac,
      { name: RELEASE, namespace: RELEASE_NAMESPACE },
      expected.map((e) => e.request),
    );
    expect(verdict.denied).toEqual([]);
    expect(verdict.unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
  });

  it("allows every request the certificate inventory makes and grants its ServiceAccount nothing else", () => {
    const inventory = { name: `${RELEASE}-cert-inventory`, namespace: JOBS_NAMESPACE };
    const verdict = evaluateRbac(
      rbac,
      inventory,
      inventoryRequests(JOBS_NAMESPACE).map((e) => e.request),
    );
    expect(verdict.denied).toEqual([]);
    expect(verdict.unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
    // Nothing else of the operator's: no Lease reads, no node writes, no other namespace.
    const others = evaluateRbac(rbac, inventory, [
      ...operatorRequests(RELEASE_NAMESPACE, JOBS_NAMESPACE, "rke2-lifecycle-operator").map((e) => e.request),
      { verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: RELEASE_NAMESPACE },
      {
        verb: "patch",
        group: "coordination.k8s.io",
        resource: "leases",
        namespace: RELEASE_NAMESPACE,
        name: "rke2-lifecycle-operator",
      },
    ]);
    // The one overlap: both list the CertRotations.
    expect(others.allowed).toEqual([{ verb: "list", group: "rke2-lifecycle.io", resource: "certrotations" }]);
  });
});
