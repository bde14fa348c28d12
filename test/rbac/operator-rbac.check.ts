/**
 * RBAC against what the operator really does, on either lane. This check runs after the
 * integration suite, renders the Helm chart and proves both directions: every request the operator
 * made is allowed, and every grant is used by some request.
 * - Sim lane (`npm test`): the simulated API server logs the operator's requests as each sim stops
 *   (RKE2_LIFECYCLE_REQUEST_LOG), with the authorization checks admission made of its writes
 *   (marked `admission`: src/sim/apiserver/owner-admission.ts records OwnerReferencesPermissionEnforcement's).
 * - Real lane (`npm run test:real`): kube-apiserver's audit log of the operator's ServiceAccount,
 *   where RBAC was enforced for real: no request may have been refused (403). A grant counts as
 *   used when a request of either lane used it (a few scenarios run on the sim only: see
 *   test/support/lanes.ts), so the sim lane's log is read too when it is there (CI runs that lane
 *   first). Without it, grants on `finalizers` are let pass: the checks the
 *   OwnerReferencesPermissionEnforcement admission plugin makes are no audit events, and had one
 *   been refused, the write carrying it would show as a 403 here.
 */
import { describe, expect, it } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { RequestKey } from "../../src/sim/apiserver/index.ts";
import { REQUEST_LOG_ENV } from "../../src/sim/index.ts";
import { OPERATOR_SERVICE_ACCOUNT } from "../support/lane-env.ts";
import { describeGrant, evaluateRbac, type ApiRequest, type RbacObject } from "../support/rbac.ts";
import { readAuditLog } from "../support/api-audit.ts";
import { realLaneFiles } from "../support/request-log.ts";
import { RELEASE, RELEASE_NAMESPACE, REPO_ROOT, renderChart } from "../unit/charts/render.ts";

const REAL_LANE = process.env.RKE2_LIFECYCLE_RBAC_LANE === "real";

function logDir(): string {
  const configured = process.env[REQUEST_LOG_ENV] ?? ".sim/requests";
  return isAbsolute(configured) ? configured : join(REPO_ROOT, configured);
}

/** The request an authorizer sees, from a log key whose resource may read `resource/subresource`. */
function apiRequest(key: {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  name?: string;
}): ApiRequest {
  const [resource = "", subresource] = key.resource.split("/");
  return {
    verb: key.verb,
    group: key.group,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(key.namespace ? { namespace: key.namespace } : {}),
    ...(key.name ? { name: key.name } : {}),
  };
}

function simRequests(): ApiRequest[] {
  const dir = logDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".jsonl"))
    .flatMap((file) => readFileSync(join(dir, file), "utf8").split("\n"))
    .filter((line) => line.trim() !== "")
    .map((line) => apiRequest((JSON.parse(line) as { key: RequestKey }).key));
}

/** The operator's requests in the kube-apiserver audit logs (one per real-lane shard), with the answers' codes. */
function realRequests(): (ApiRequest & { code: number })[] {
  const { namespace, name } = OPERATOR_SERVICE_ACCOUNT;
  const operator = `system:serviceaccount:${namespace}:${name}`;
  return realLaneFiles(/^audit-.*\.log$/)
    .flatMap((file) => readAuditLog(file))
    .filter((entry) => entry.username === operator)
    .map((entry) => ({ ...apiRequest(entry), code: entry.code }));
}

/** Each request once, whatever else its entry carried (a status code, say). */
function distinct(requests: readonly ApiRequest[]): ApiRequest[] {
  const byKey = new Map<string, ApiRequest>();
  for (const entry of requests) {
    const request = apiRequest({ ...entry, resource: [entry.resource, entry.subresource].filter(Boolean).join("/") });
    byKey.set(JSON.stringify(request), request);
  }
  return [...byKey.values()];
}

const LANE = REAL_LANE ? "real" : "sim";

describe(`the chart's RBAC and the operator's requests across the integration suite (${LANE} lane)`, () => {
  const logged = REAL_LANE ? realRequests() : [];
  const sim = simRequests();
  const requests = distinct(REAL_LANE ? logged : sim);
  const rbac = renderChart().filter((m) =>
    ["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].includes(m.kind),
  ) as unknown as RbacObject[];
  const account = { name: RELEASE, namespace: RELEASE_NAMESPACE };
  const verdict = evaluateRbac(rbac, account, requests);
  const usage = REAL_LANE ? evaluateRbac(rbac, account, distinct([...logged, ...sim])) : verdict;

  it("has requests to check (run the integration suite with the request log first: npm test does)", () => {
    expect(requests.length).toBeGreaterThan(20);
  });

  it("allows every request the operator made", () => {
    expect(verdict.denied).toEqual([]);
    if (REAL_LANE) expect(logged.filter((request) => request.code === 403)).toEqual([]);
  });

  it("grants nothing that no request needed", () => {
    const admissionOnly = REAL_LANE && sim.length === 0;
    const unused = usage.unused.filter((grant) => !(admissionOnly && grant.resource.endsWith("/finalizers")));
    expect(unused.map(describeGrant)).toEqual([]);
    expect(verdict.danglingBindings).toEqual([]);
  });
});
