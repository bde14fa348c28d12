/**
 * OpenAPI v3 documents, enough for kubectl: every kind's PATCH operation carries its
 * group-version-kind and the `fieldValidation` parameter, so `kubectl apply` (default
 * --validate=strict) leaves validation to this server instead of downloading OpenAPI v2
 * (which kubectl only reads as protobuf, not served here). Custom resources carry their CRD
 * schema so `kubectl explain` works for them. No requestBody is declared on PATCH, which makes
 * client-side apply compute strategic merge patches from its compiled-in types, as with v2 absent.
 */
import { createHash } from "node:crypto";
import type { Catalog } from "./catalog.ts";
import type { JsonObject } from "./json.ts";
import type { ResourceDef } from "./resources.ts";

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const PATCH_PARAMETERS = ["dryRun", "fieldManager", "fieldValidation", "force"].map((name) => ({
  name,
  in: "query",
  schema: { type: name === "force" ? "boolean" : "string", uniqueItems: true },
}));

function operation(def: ResourceDef, version: string, action: string, parameters: JsonObject[] = []): JsonObject {
  return {
    operationId: `${action}${def.kind}`,
    parameters,
    responses: { "200": { description: "OK" } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": { group: def.group, version, kind: def.kind },
  };
}

function schemaName(def: ResourceDef, version: string): string {
  const reversed = def.group.split(".").reverse().join(".");
  return `${reversed || "io.k8s.api.core"}.${version}.${def.kind}`;
}

function schemaOf(def: ResourceDef, version: string): JsonObject {
  const custom = def.custom?.schemas[version];
  const base: JsonObject = custom
    ? structuredClone(custom)
    : { type: "object", description: `${def.kind} (schema not published by the simulated API server)` };
  const properties = (base.properties ?? {}) as JsonObject;
  base.properties = {
    apiVersion: {
      type: "string",
      description: "APIVersion defines the versioned schema of this representation of an object.",
    },
    kind: {
      type: "string",
      description: "Kind is a string value representing the REST resource this object represents.",
    },
    metadata: { type: "object", description: "Standard object's metadata." },
    ...properties,
  };
  base["x-kubernetes-group-version-kind"] = [{ group: def.group, version, kind: def.kind }];
  return base;
}

export function groupVersionDocument(
  catalog: Catalog,
  group: string,
  version: string,
  gitVersion: string,
): JsonObject | undefined {
  const defs = catalog.resourcesIn(group, version);
  if (defs.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = {};
  for (const def of defs) {
    const prefix = `/${gvPath(group, version)}${def.namespaced ? "/namespaces/{namespace}" : ""}/${def.plural}`;
    paths[prefix] = {
      get: operation(def, version, "list"),
      post: operation(def, version, "post", PATCH_PARAMETERS.slice(0, 3)),
    };
    paths[`${prefix}/{name}`] = {
      get: operation(def, version, "get"),
      put: operation(def, version, "put", PATCH_PARAMETERS.slice(0, 3)),
      patch: operation(def, version, "patch", PATCH_PARAMETERS),
      delete: operation(def, version, "delete"),
    };
    schemas[schemaName(def, version)] = schemaOf(def, version);
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: gitVersion }, paths, components: { schemas } };
}

export function documentHash(document: JsonObject): string {
  return createHash("sha512").update(JSON.stringify(document)).digest("hex").toUpperCase();
}

/** The /openapi/v3 index: one relative URL per group-version, versioned by its content hash. */
export function openApiIndex(catalog: Catalog, gitVersion: string): JsonObject {
  const paths: JsonObject = {};
  for (const { group, versions } of catalog.groups()) {
    for (const version of versions) {
      const doc = groupVersionDocument(catalog, group, version, gitVersion);
      if (doc)
        paths[gvPath(group, version)] = {
          serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${documentHash(doc)}`,
        };
    }
  }
  return { paths };
}
