import type { JSONSchemaProps } from "./index.ts";
import { isPlainObject } from "./paths.ts";

/**
 * A defaulted deep copy of `value`, as kube-apiserver defaults a custom resource: an absent field
 * with a `default` gets a copy of it, and defaulting continues inside that copy, so `default: {}`
 * on an object fills in its fields' defaults. Like the server, a `null` in a field that is not
 * `nullable` is dropped first (and then defaulted, if the field has a default).
 * `metadata` at the root is left alone: ObjectMeta is not governed by the CRD schema.
 */
export function applyDefaults(schema: JSONSchemaProps, value: unknown): unknown {
  return defaultNode(schema, structuredClone(value), true);
}

function defaultNode(schema: JSONSchemaProps, value: unknown, atRoot: boolean): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return items === undefined ? value : value.map((item) => defaultNode(items, item, false));
  }
  if (!isPlainObject(value)) return value;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (atRoot && name === "metadata") continue;
    if (value[name] === null && property.nullable !== true) Reflect.deleteProperty(value, name);
    if (!(name in value) && property.default !== undefined) value[name] = structuredClone(property.default);
    if (name in value) value[name] = defaultNode(property, value[name], false);
  }
  const additional = schema.additionalProperties;
  if (typeof additional === "object") {
    for (const [key, entry] of Object.entries(value)) value[key] = defaultNode(additional, entry, false);
  }
  return value;
}
