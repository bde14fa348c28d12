import { z } from "zod";
import type { JSONSchemaProps } from "../kube-schema/index.ts";

/**
 * Turns zod's JSON Schema into a structural schema as kube-apiserver demands it (docs/development.md
 * "CRD schemas"). Anything it cannot translate faithfully throws, so a bad schema fails at render time,
 * not on `kubectl apply`.
 */
export function zodToStructural(schema: z.ZodType, where: string): JSONSchemaProps {
  const json = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    // The CRD describes what users write: fields with defaults are optional there.
    io: "input",
    unrepresentable: "throw",
    cycles: "throw",
    reused: "inline",
  });
  return structuralNode(json, where);
}

const DROPPED_KEYS = new Set(["$schema", "$id", "id", "title"]);

function structuralNode(raw: Record<string, unknown>, where: string): JSONSchemaProps {
  const node: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === "$ref" || key === "$defs" || key === "definitions") {
      throw new Error(`${where}: ${key} cannot appear in a CRD schema (inline the type)`);
    }
    node[key] = value;
  }
  if (isRecord(node.properties)) {
    const properties: Record<string, JSONSchemaProps> = {};
    for (const [name, child] of Object.entries(node.properties)) {
      if (!isRecord(child)) throw new Error(`${where}.${name}: not a schema`);
      properties[name] = structuralNode(child, `${where}.${name}`);
    }
    node.properties = properties;
    // JSON Schema generators close objects with `additionalProperties: false`; Kubernetes prunes instead.
    if (node.additionalProperties === false) delete node.additionalProperties;
    if (node.additionalProperties !== undefined)
      throw new Error(`${where}: properties and additionalProperties together`);
  } else if (isRecord(node.additionalProperties)) {
    node.additionalProperties = structuralNode(node.additionalProperties, `${where}[*]`);
  }
  if (isRecord(node.items)) node.items = structuralNode(node.items, `${where}[]`);
  if (node["x-kubernetes-int-or-string"] === true) flattenIntOrString(node, where);
  else if (node.anyOf !== undefined || node.oneOf !== undefined || node.allOf !== undefined) {
    throw new Error(`${where}: unions other than int-or-string have no structural form`);
  }
  // z.int() bounds every integer by the safe range: noise in a CRD whose integers are int64.
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  // zod adds a regex for ISO timestamps; `format: date-time` already says it, RE2-compatibly.
  if (node.format === "date-time") delete node.pattern;
  return orderKeys(node);
}

/**
 * `integer | "NN%"` becomes `x-kubernetes-int-or-string` with the only anyOf Kubernetes admits
 * there ([{type: integer}, {type: string}]); each branch's constraints move up to the node,
 * where they apply by value type (minimum to numbers, pattern to strings).
 */
function flattenIntOrString(node: Record<string, unknown>, where: string): void {
  const branches = Array.isArray(node.anyOf) ? node.anyOf.filter(isRecord) : [];
  const types = branches.map((b) => b.type).sort();
  if (branches.length !== 2 || types[0] !== "integer" || types[1] !== "string") {
    throw new Error(`${where}: int-or-string must be a union of one integer and one string schema`);
  }
  for (const branch of branches) {
    for (const [key, value] of Object.entries(branch)) {
      if (key === "type" || (key === "maximum" && value === Number.MAX_SAFE_INTEGER)) continue;
      if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
      node[key] = value;
    }
  }
  node.anyOf = [{ type: "integer" }, { type: "string" }];
  delete node.type;
}

const KEY_ORDER = [
  "description",
  "type",
  "format",
  "x-kubernetes-int-or-string",
  "anyOf",
  "enum",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "items",
  "properties",
  "additionalProperties",
  "required",
  "default",
  "nullable",
];

/** Stable, readable key order (properties alphabetical), so rendered YAML never churns. */
function orderKeys(node: Record<string, unknown>): Record<string, unknown> {
  const rank = (key: string): number => {
    const index = KEY_ORDER.indexOf(key);
    return index < 0 ? KEY_ORDER.length : index;
  };
  const keys = Object.keys(node).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const ordered: Record<string, unknown> = {};
  for (const key of keys) {
    const value = node[key];
    ordered[key] =
      key === "properties" && isRecord(value)
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((name) => [name, value[name]]),
          )
        : value;
  }
  return ordered;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
