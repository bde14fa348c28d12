/**
 * RBAC against what the operator really does. The integration suite runs the operator on the
 * simulated cluster through its own client (`Sim.operatorPort`); as each sim stops it logs the
 * operator's requests (RKE2_LIFECYCLE_REQUEST_LOG, set by `npm test`). This check, run after that
 * suite, renders the Helm chart and proves both directions: every request the operator made is
 * allowed, and every grant is used by some request.
 * "Requests" include the authorization checks admission makes of the operator's writes (the sim
 * records those of OwnerReferencesPermissionEnforcement: src/sim/apiserver/owner-admission.ts).
 */
import { describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { RequestKey } from "../../src/sim/apiserver/index.ts";
import { REQUEST_LOG_ENV } from "../../src/sim/index.ts";
import { describeGrant, evaluateRbac, type ApiRequest, type RbacObject } from "../support/rbac.ts";
import { RELEASE, RELEASE_NAMESPACE, REPO_ROOT, renderChart } from "../unit/charts/render.ts";

function logDir(): string {
  const configured = process.env[REQUEST_LOG_ENV] ?? ".sim/requests";
  return isAbsolute(configured) ? configured : join(REPO_ROOT, configured);
}

function loggedRequests(): ApiRequest[] {
  const dir = logDir();
  if (!existsSync(dir)) return [];
  const requests = new Map<string, ApiRequest>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".jsonl"))) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n").filter((text) => text.trim() !== "")) {
      const { key } = JSON.parse(line) as { key: RequestKey };
      const [resource = "", subresource] = key.resource.split("/");
      const request: ApiRequest = {
        verb: key.verb,
        group: key.group,
        resource,
        ...(subresource ? { subresource } : {}),
        ...(key.namespace ? { namespace: key.namespace } : {}),
        ...(key.name ? { name: key.name } : {}),
      };
      requests.set(JSON.stringify(request), request);
    }
  }
  return [...requests.values()];
}

describe("the chart's RBAC and the operator's requests across the integration suite", () => {
  const requests = loggedRequests();
  const rbac = renderChart().filter((m) => ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].includes(m.kind)) as unknown as RbacObject[];
  const verdict = evaluateRbac(rbac, { name: RELEASE, namespace: RELEASE_NAMESPACE }, requests);

  it("has requests to check (run the integration suite with the request log first: npm test does)", () => {
    expect(requests.length).toBeGreaterThan(20);
  });

  it("allows every request the operator made", () => {
    expect(verdict.denied).toEqual([]);
  });

  it("grants nothing that no request needed", () => {
    expect(verdict.unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
  });
});
