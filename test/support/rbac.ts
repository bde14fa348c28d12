/**
 * What Kubernetes' RBAC authorizer would decide for one ServiceAccount, given rendered RBAC
 * objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding) and a list of API requests: which
 * requests are allowed, which are denied, and which granted verbs no request ever used. A test can
 * feed it the requests the integration suite made (the simulated API server counts them) to show
 * that the chart grants exactly what the operator calls: nothing missing, nothing spare.
 *
 * Semantics follow the upstream authorizer (pkg/apis/rbac/v1 evaluation helpers):
 * - a ClusterRoleBinding grants its ClusterRole's rules everywhere; a RoleBinding grants its Role's
 *   or ClusterRole's rules only in the binding's namespace (never on cluster-scoped resources);
 * - `*` matches any verb, group or resource; `*\/sub` matches that subresource of any resource;
 *   a subresource request needs `resource/sub` (a plain `resource` rule does not cover it);
 * - a rule with resourceNames matches only requests naming one of them, so requests without a
 *   name (list, watch, create) never match it.
 */

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacSubject {
  kind: string;
  name: string;
  namespace?: string;
}

/** A rendered RBAC object; anything else passed in is ignored. */
export interface RbacObject {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: RbacSubject[];
}

/** One API request, as an audit log or the simulated API server's accounting describes it. */
export interface ApiRequest {
  verb: string;
  /** "" for the core group. */
  group: string;
  /** Plural resource name, e.g. `pods`. */
  resource: string;
  subresource?: string;
  /** Absent for cluster-scoped resources and for requests across all namespaces. */
  namespace?: string;
  name?: string;
}

/** One verb on one group/resource of one rule, granted through one binding. */
export interface Grant {
  /** `ClusterRoleBinding/<name>` or `RoleBinding/<namespace>/<name>`. */
  binding: string;
  /** `ClusterRole/<name>` or `Role/<namespace>/<name>`. */
  role: string;
  /** Where the grant applies; undefined means cluster-wide. */
  namespace?: string;
  verb: string;
  group: string;
  /** `resource` or `resource/subresource`. */
  resource: string;
  resourceNames?: string[];
}

export interface RbacVerdict {
  allowed: ApiRequest[];
  denied: ApiRequest[];
  /** Grants that no allowed request matched. */
  unused: Grant[];
  /** Bindings whose role is not among the objects (the API server would ignore them). */
  danglingBindings: string[];
}

export interface ServiceAccountRef {
  name: string;
  namespace: string;
}

function bindsServiceAccount(subjects: readonly RbacSubject[] | undefined, account: ServiceAccountRef): boolean {
  return (subjects ?? []).some((subject) => {
    switch (subject.kind) {
      case "ServiceAccount":
        return subject.name === account.name && subject.namespace === account.namespace;
      case "User":
        return subject.name === `system:serviceaccount:${account.namespace}:${account.name}`;
      case "Group":
        return [
          "system:serviceaccounts",
          `system:serviceaccounts:${account.namespace}`,
          "system:authenticated",
        ].includes(subject.name);
      default:
        return false;
    }
  });
}

function roleKey(kind: string, name: string, namespace?: string): string {
  return kind === "ClusterRole" ? `ClusterRole/${name}` : `Role/${namespace ?? ""}/${name}`;
}

/** Every grant the account holds, one per (binding, rule, verb, group, resource). */
export function grantsOf(
  objects: readonly RbacObject[],
  account: ServiceAccountRef,
): { grants: Grant[]; danglingBindings: string[] } {
  const roles = new Map<string, PolicyRule[]>();
  for (const object of objects) {
    if (object.kind === "ClusterRole" || object.kind === "Role") {
      roles.set(roleKey(object.kind, object.metadata.name, object.metadata.namespace), object.rules ?? []);
    }
  }
  const grants: Grant[] = [];
  const danglingBindings: string[] = [];
  for (const object of objects) {
    if (object.kind !== "ClusterRoleBinding" && object.kind !== "RoleBinding") continue;
    if (!object.roleRef || !bindsServiceAccount(object.subjects, account)) continue;
    const namespace = object.kind === "RoleBinding" ? object.metadata.namespace : undefined;
    const binding =
      namespace === undefined
        ? `ClusterRoleBinding/${object.metadata.name}`
        : `RoleBinding/${namespace}/${object.metadata.name}`;
    const role = roleKey(object.roleRef.kind, object.roleRef.name, namespace);
    const rules = roles.get(role);
    if (rules === undefined) {
      danglingBindings.push(binding);
      continue;
    }
    for (const rule of rules) {
      if (rule.nonResourceURLs?.length) continue;
      for (const verb of rule.verbs) {
        for (const group of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) {
            grants.push({
              binding,
              role,
              ...(namespace === undefined ? {} : { namespace }),
              verb,
              group,
              resource,
              ...(rule.resourceNames?.length ? { resourceNames: rule.resourceNames } : {}),
            });
          }
        }
      }
    }
  }
  return { grants, danglingBindings };
}

function resourceMatches(granted: string, request: ApiRequest): boolean {
  if (granted === "*") return true;
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  if (granted === combined) return true;
  return request.subresource !== undefined && granted === `*/${request.subresource}`;
}

/** Whether one grant authorizes one request. */
export function grantAllows(grant: Grant, request: ApiRequest): boolean {
  // A namespaced grant (RoleBinding) never reaches cluster-scoped or all-namespace requests.
  if (grant.namespace !== undefined && grant.namespace !== request.namespace) return false;
  if (grant.verb !== "*" && grant.verb !== request.verb) return false;
  if (grant.group !== "*" && grant.group !== request.group) return false;
  if (!resourceMatches(grant.resource, request)) return false;
  if (grant.resourceNames) return request.name !== undefined && grant.resourceNames.includes(request.name);
  return true;
}

/** Decides every request for the account and reports the grants nothing used. */
export function evaluateRbac(
  objects: readonly RbacObject[],
  account: ServiceAccountRef,
  requests: readonly ApiRequest[],
): RbacVerdict {
  const { grants, danglingBindings } = grantsOf(objects, account);
  const used = new Set<Grant>();
  const allowed: ApiRequest[] = [];
  const denied: ApiRequest[] = [];
  for (const request of requests) {
    const matching = grants.filter((grant) => grantAllows(grant, request));
    for (const grant of matching) used.add(grant);
    (matching.length > 0 ? allowed : denied).push(request);
  }
  return { allowed, denied, unused: grants.filter((grant) => !used.has(grant)), danglingBindings };
}

/**
 * Requests from the simulated API server's accounting keys (`verb group/resource namespace`,
 * resource possibly `plural/subresource`, namespace "" when cluster-scoped); non-resource paths are
 * left out. The accounting does not record object names, so grants limited by resourceNames
 * cannot be matched from it.
 */
export function requestsFromAccounting(detailed: Record<string, number>): ApiRequest[] {
  const requests: ApiRequest[] = [];
  for (const key of Object.keys(detailed)) {
    const [verb = "", groupResource = "", namespace = ""] = key.split(" ");
    const slash = groupResource.indexOf("/");
    const path = groupResource.slice(slash + 1);
    // Discovery and health paths (`/api/v1`, `/version`) are recorded with the URL as resource.
    if (slash < 0 || path.startsWith("/")) continue;
    const [resource = "", subresource] = path.split("/");
    requests.push({
      verb,
      group: groupResource.slice(0, slash),
      resource,
      ...(subresource === undefined ? {} : { subresource }),
      ...(namespace === "" ? {} : { namespace }),
    });
  }
  return requests;
}

/** A grant in one line, for test failure messages. */
export function describeGrant(grant: Grant): string {
  const names = grant.resourceNames ? ` [${grant.resourceNames.join(",")}]` : "";
  const where = grant.namespace === undefined ? "cluster-wide" : `in ${grant.namespace}`;
  return `${grant.verb} ${grant.group || "core"}/${grant.resource}${names} ${where} (${grant.role})`;
}
