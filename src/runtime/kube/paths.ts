import { KubeError } from "./errors.ts";
import { groupOf, versionOf, type ResourceType } from "./types.ts";

/** Where one request goes: a REST path plus its query string parameters. */
export interface ResourceLocation {
  namespace?: string;
  name?: string;
  subresource?: "status" | "eviction";
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` for every other group. */
export function groupVersionPath(apiVersion: string): string {
  const group = groupOf(apiVersion);
  const version = versionOf(apiVersion);
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

/**
 * The REST path of a collection (no name) or of one object (with name), optionally its
 * subresource. A namespaced kind without a namespace addresses all namespaces, which the API
 * only allows for list and watch; callers of single-object verbs check that with `requireNamespace`.
 */
export function resourcePath(type: ResourceType, location: ResourceLocation = {}): string {
  let path = groupVersionPath(type.apiVersion);
  if (type.namespaced && location.namespace) path += `/namespaces/${encodeURIComponent(location.namespace)}`;
  path += `/${type.plural}`;
  if (location.name !== undefined) path += `/${encodeURIComponent(location.name)}`;
  if (location.subresource) path += `/${location.subresource}`;
  return path;
}

/**
 * The namespace a single-object request of this kind must carry: a namespaced kind without one
 * is a programming error (rejected before anything is sent), a cluster-scoped kind ignores it.
 */
export function requireNamespace(type: ResourceType, namespace: string | undefined): string | undefined {
  if (!type.namespaced) return undefined;
  if (!namespace) {
    throw new KubeError("BadRequest", `${type.kind} is namespaced: a namespace is required`, { code: 0 });
  }
  return namespace;
}

/** Builds `?a=1&b=2`, leaving out parameters whose value is undefined or empty. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "") continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
