import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describeGrant, evaluateRbac, type PolicyRule, type RbacObject } from "../../support/rbac.ts";
import { toolPath } from "../../support/tools.ts";
import { inventoryRequests, operatorRequests } from "../charts/operator-requests.ts";
import {
  identities,
  JOBS_NAMESPACE,
  parseManifests,
  RELEASE,
  RELEASE_NAMESPACE,
  renderChart,
  REPO_ROOT,
  type Manifest,
} from "../charts/render.ts";

const kustomized = parseManifests(
  execFileSync(toolPath("kubectl"), ["kustomize", join(REPO_ROOT, "deploy/base")], { encoding: "utf8" }),
);
const charted = renderChart();

const byIdentity = (manifests: Manifest[]): Map<string, Manifest> =>
  new Map(manifests.map((m) => [identities([m])[0]!, m]));
const normalizedRules = (m: Manifest): string[] =>
  ((m as unknown as RbacObject).rules ?? [])
    .map((rule: PolicyRule) =>
      JSON.stringify({
        apiGroups: rule.apiGroups,
        resources: rule.resources,
        resourceNames: rule.resourceNames ?? [],
        verbs: [...rule.verbs].sort(),
      }),
    )
    .sort();

describe("deploy/base (kustomize) against the chart's defaults", () => {
  it("has the same objects, plus the operator's own Namespace that Helm leaves to --create-namespace", () => {
    expect(identities(kustomized)).toEqual([...identities(charted), `Namespace /${RELEASE_NAMESPACE}`].sort());
    const ns = kustomized.find((m) => m.kind === "Namespace" && m.metadata.name === RELEASE_NAMESPACE);
    expect(ns?.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("has the same RBAC rules, role by role, and the same subjects and role references", () => {
    const charts = byIdentity(charted);
    for (const [id, object] of byIdentity(kustomized)) {
      const twin = charts.get(id);
      if (twin === undefined) continue;
      if (object.kind === "Role" || object.kind === "ClusterRole")
        expect([id, normalizedRules(object)]).toEqual([id, normalizedRules(twin)]);
      if (object.kind.endsWith("Binding"))
        expect([id, object.roleRef, object.subjects]).toEqual([id, twin.roleRef, twin.subjects]);
    }
  });

  it("allows exactly the operator's requests, like the chart", () => {
    const rbac = kustomized.filter((m) => m.kind.includes("Role")) as unknown as RbacObject[];
    const requests = operatorRequests(RELEASE_NAMESPACE, JOBS_NAMESPACE, "rke2-lifecycle-operator");
    const verdict = evaluateRbac(
      rbac,
      { name: RELEASE, namespace: RELEASE_NAMESPACE },
      requests.map((r) => r.request),
    );
    expect(verdict.denied).toEqual([]);
    expect(verdict.unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
  });

  it("allows exactly the certificate inventory's requests, like the chart, and mounts its token", () => {
    const rbac = kustomized.filter((m) => m.kind.includes("Role")) as unknown as RbacObject[];
    const verdict = evaluateRbac(
      rbac,
      { name: `${RELEASE}-cert-inventory`, namespace: JOBS_NAMESPACE },
      inventoryRequests(JOBS_NAMESPACE).map((r) => r.request),
    );
    expect(verdict.denied).toEqual([]);
    expect(verdict.unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
    const account = kustomized.find(
      (m) => m.kind === "ServiceAccount" && m.metadata.name === `${RELEASE}-cert-inventory`,
    );
    expect(account?.automountServiceAccountToken).toBe(true);
  });

  it("runs the same pods: Deployment, DaemonSet, PodDisruptionBudget and Service specs, namespace labels", () => {
    const charts = byIdentity(charted);
    for (const [id, object] of byIdentity(kustomized)) {
      const twin = charts.get(id);
      if (twin === undefined) continue;
      if (["Deployment", "DaemonSet", "PodDisruptionBudget", "Service"].includes(object.kind))
        expect([id, object.spec]).toEqual([id, twin.spec]);
      if (object.kind === "Namespace") {
        const podSecurity = (m: Manifest) =>
          Object.entries(m.metadata.labels ?? {})
            .filter(([key]) => key.startsWith("pod-security"))
            .sort();
        expect([id, podSecurity(object)]).toEqual([id, podSecurity(twin)]);
      }
      if (object.kind === "CustomResourceDefinition") expect([id, object.spec]).toEqual([id, twin.spec]);
    }
  });
});
