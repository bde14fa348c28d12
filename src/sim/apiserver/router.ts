/** Parses request paths of the Kubernetes REST API into what they address. */

export type Route =
  | { type: "version" }
  | { type: "health" }
  | { type: "coreVersions" }
  | { type: "groupList" }
  | { type: "group"; group: string }
  | { type: "resourceList"; group: string; version: string }
  | { type: "openapiIndex" }
  | { type: "openapiGroupVersion"; group: string; version: string }
  | { type: "openapiV2" }
  | {
      type: "resource";
      group: string;
      version: string;
      plural: string;
      namespace: string | undefined;
      name: string | undefined;
      subresource: string | undefined;
    }
  | { type: "unknown" };

function resourceRoute(group: string, version: string, rest: string[]): Route {
  const [first, second, third, fourth, fifth, ...extra] = rest;
  if (first === undefined || extra.length > 0)
    return rest.length === 0 ? { type: "resourceList", group, version } : { type: "unknown" };
  const base = { type: "resource" as const, group, version };
  // namespaces/<ns>/<plural>[/<name>[/<sub>]] addresses namespaced resources; but namespaces/<name>
  // and namespaces/<name>/{status,finalize} address the Namespace object itself.
  if (
    first === "namespaces" &&
    second !== undefined &&
    third !== undefined &&
    third !== "status" &&
    third !== "finalize"
  ) {
    return { ...base, plural: third, namespace: second, name: fourth, subresource: fifth };
  }
  if (fourth !== undefined) return { type: "unknown" };
  return { ...base, plural: first, namespace: undefined, name: second, subresource: third };
}

export function route(pathname: string): Route {
  const parts = pathname
    .split("/")
    .filter((p) => p !== "")
    .map(decodeURIComponent);
  const [root, a, b, ...rest] = parts;
  switch (root) {
    case "version":
      return { type: "version" };
    case "healthz":
    case "livez":
    case "readyz":
      return { type: "health" };
    case "api":
      if (a === undefined) return { type: "coreVersions" };
      return resourceRoute("", a, b === undefined ? [] : [b, ...rest]);
    case "apis":
      if (a === undefined) return { type: "groupList" };
      if (b === undefined) return { type: "group", group: a };
      return resourceRoute(a, b, rest);
    case "openapi": {
      if (a === "v2") return { type: "openapiV2" };
      if (a !== "v3") return { type: "unknown" };
      if (b === undefined) return { type: "openapiIndex" };
      if (b === "api" && rest.length === 1 && rest[0])
        return { type: "openapiGroupVersion", group: "", version: rest[0] };
      if (b === "apis" && rest.length === 2 && rest[0] && rest[1])
        return { type: "openapiGroupVersion", group: rest[0], version: rest[1] };
      return { type: "unknown" };
    }
    default:
      return { type: "unknown" };
  }
}
