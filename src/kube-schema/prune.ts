import type { JSONSchemaProps } from "./index.ts";
import { childPath, indexPath, isPlainObject, keyPath, TYPE_AND_OBJECT_META } from "./paths.ts";

export interface PruneResult {
  value: unknown;
  /** Paths of the dropped fields, e.g. `spec.retention.typo`, for `unknown field` warnings. */
  pruned: string[];
}

/**
 * Drops every field the schema does not declare, as kube-apiserver does for structural CRDs,
 * unless a node says `x-kubernetes-preserve-unknown-fields: true`. apiVersion, kind and
 * metadata are kept at the root and in embedded resources. Returns a copy.
 */
export function prune(schema: JSONSchemaProps, value: unknown): PruneResult {
  const pruned: string[] = [];
  const result = pruneNode(schema, structuredClone(value), "", true, pruned);
  return { value: result, pruned };
}

function pruneNode(schema: JSONSchemaProps, value: unknown, path: string, atRoot: boolean, pruned: string[]): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items === undefined) return value;
    return value.map((item, index) => pruneNode(items, item, indexPath(path, index), false, pruned));
  }
  if (!isPlainObject(value)) return value;
  const keepObjectMeta = atRoot || schema["x-kubernetes-embedded-resource"] === true;
  const preserveUnknown = schema["x-kubernetes-preserve-unknown-fields"] === true;
  const additional = schema.additionalProperties;
  const kept: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (keepObjectMeta && TYPE_AND_OBJECT_META.has(key)) kept[key] = child;
    else if (property !== undefined) kept[key] = pruneNode(property, child, childPath(path, key), false, pruned);
    else if (typeof additional === "object")
      kept[key] = pruneNode(additional, child, keyPath(path, key), false, pruned);
    else if (additional === true || preserveUnknown) kept[key] = child;
    else pruned.push(childPath(path, key));
  }
  return kept;
}
