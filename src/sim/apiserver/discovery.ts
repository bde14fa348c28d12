/**
 * Discovery documents (/version, /api, /apis, /apis/<g>, /api(s)/<g>/<v>) in the unaggregated v1
 * form; clients that ask for aggregated discovery (apidiscovery.k8s.io/v2) fall back to it when the
 * answer's Content-Type is plain application/json, as client-go does.
 */
import type { Catalog } from "./catalog.ts";
import type { JsonObject } from "./json.ts";
import { ALL_VERBS, apiVersionOf, type ResourceDef } from "./resources.ts";

export function versionInfo(gitVersion: string): JsonObject {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? "1",
    minor: m?.[2] ?? "31",
    gitVersion,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2025-01-01T00:00:00Z",
    goVersion: "go1.22.10",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

function groupDoc(group: string, versions: string[]): JsonObject {
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

export function groupList(catalog: Catalog): JsonObject {
  const groups = catalog.groups().filter((g) => g.group !== "");
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => groupDoc(g.group, g.versions)) };
}

export function apiGroup(catalog: Catalog, group: string): JsonObject | undefined {
  const found = catalog.groups().find((g) => g.group === group && group !== "");
  return found ? { kind: "APIGroup", apiVersion: "v1", ...groupDoc(group, found.versions) } : undefined;
}

function resourceEntries(def: ResourceDef): JsonObject[] {
  const main: JsonObject = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: ALL_VERBS,
  };
  if (def.shortNames.length > 0) main.shortNames = def.shortNames;
  if (def.categories.length > 0) main.categories = def.categories;
  const entries = [main];
  if (def.statusSubresource) {
    entries.push({
      name: `${def.plural}/status`,
      singularName: "",
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: ["get", "patch", "update"],
    });
  }
  if (def.kind === "Pod" && def.builtin) {
    entries.push({
      name: "pods/eviction",
      singularName: "",
      namespaced: true,
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  }
  return entries;
}

export function resourceList(catalog: Catalog, group: string, version: string): JsonObject | undefined {
  const defs = catalog.resourcesIn(group, version);
  if (defs.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: apiVersionOf(group, version),
    resources: defs.flatMap(resourceEntries),
  };
}
