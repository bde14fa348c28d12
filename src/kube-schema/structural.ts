import { compileRule } from "./cel.ts";
import { applyDefaults } from "./defaults.ts";
import type { JSONSchemaProps } from "./index.ts";
import { prune } from "./prune.ts";
import { validate } from "./validate.ts";

/*
 * The checks kube-apiserver runs before it admits a CRD's openAPIV3Schema (apiextensions.k8s.io/v1
 * "structural schema" plus the schema validation of the CRD API itself). Violations are
 * "<schema path>: <what is wrong>" lines; an empty list means the schema is admitted.
 */

const SCHEMA_KEYS = new Set([
  "description",
  "type",
  "format",
  "title",
  "default",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "multipleOf",
  "enum",
  "maxProperties",
  "minProperties",
  "required",
  "items",
  "allOf",
  "oneOf",
  "anyOf",
  "not",
  "properties",
  "additionalProperties",
  "externalDocs",
  "example",
  "nullable",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-list-type",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);
const FORBIDDEN_KEYS = new Set([
  "$ref",
  "$schema",
  "$defs",
  "definitions",
  "patternProperties",
  "dependencies",
  "additionalItems",
  "readOnly",
  "writeOnly",
  "id",
  "xml",
  "deprecated",
  "discriminator",
]);
const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
/** Generic and extension keys a value validation inside allOf/anyOf/oneOf/not must not carry. */
const NESTED_FORBIDDEN = [
  "type",
  "description",
  "default",
  "additionalProperties",
  "nullable",
  "title",
  "externalDocs",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-list-type",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
];
const JUNCTORS = ["allOf", "anyOf", "oneOf"] as const;

type Level = "root" | "item" | "field";

export function checkStructural(schema: JSONSchemaProps): string[] {
  const violations: string[] = [];
  checkNode(schema, "openAPIV3Schema", "root", violations);
  return violations;
}

function checkNode(node: JSONSchemaProps, path: string, level: Level, out: string[]): void {
  checkKeys(node, path, out);
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const embedded = node["x-kubernetes-embedded-resource"] === true;
  if (node.type === undefined) {
    if (!intOrString && !preserve)
      out.push(`${path}.type: Required value: must not be empty ${EMPTY_TYPE_WHERE[level]}`);
  } else if (!TYPES.has(node.type)) {
    out.push(`${path}.type: Unsupported value: ${JSON.stringify(node.type)}`);
  }
  if (level === "root" && node.type !== undefined && node.type !== "object")
    out.push(`${path}.type: Invalid value: must be object at the root`);
  if (node.type === "array" && node.items === undefined) out.push(`${path}.items: Required value: must be specified`);
  if (intOrString && preserve)
    out.push(`${path}: x-kubernetes-preserve-unknown-fields must be false if x-kubernetes-int-or-string is true`);
  if (embedded && node.type !== "object")
    out.push(`${path}.type: must be object if x-kubernetes-embedded-resource is true`);
  checkAdditionalProperties(node, path, level, out);
  if (node.uniqueItems === true)
    out.push(
      `${path}.uniqueItems: Forbidden: ` +
        "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
    );
  if (node.pattern !== undefined && !compiles(node.pattern))
    out.push(`${path}.pattern: Invalid value: must be a valid regular expression`);
  checkListType(node, path, out);
  checkRules(node, path, out);
  checkDefault(node, path, level, out);
  if (node.properties?.metadata !== undefined)
    checkMetadata(node.properties.metadata, `${path}.properties[metadata]`, level === "root" || embedded, out);

  if (node.items !== undefined) checkNode(node.items, `${path}.items`, "item", out);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (name === "metadata" && level === "root") continue;
    checkNode(child, `${path}.properties[${name}]`, "field", out);
  }
  if (typeof node.additionalProperties === "object")
    checkNode(node.additionalProperties, `${path}.additionalProperties`, "field", out);
  checkJunctors(node, node, path, intOrString, out);
}

const EMPTY_TYPE_WHERE: Record<Level, string> = {
  root: "at the root",
  item: "for specified array items",
  field: "for specified object fields",
};

function checkKeys(node: JSONSchemaProps, path: string, out: string[]): void {
  for (const key of Object.keys(node)) {
    if (FORBIDDEN_KEYS.has(key)) out.push(`${path}.${key}: Forbidden: ${key} is not supported in a CRD schema`);
    else if (!SCHEMA_KEYS.has(key)) out.push(`${path}: unknown field ${JSON.stringify(key)}`);
  }
  for (const key of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    if (node[key] !== undefined && typeof node[key] !== "boolean")
      out.push(`${path}.${key}: Invalid value: must be a boolean in OpenAPI v3.0`);
  }
}

function checkAdditionalProperties(node: JSONSchemaProps, path: string, level: Level, out: string[]): void {
  const additional = node.additionalProperties;
  if (additional === undefined) return;
  if (level === "root") out.push(`${path}.additionalProperties: Forbidden: must not be used at the root`);
  if (node.properties !== undefined)
    out.push(`${path}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`);
  if (additional === false)
    out.push(`${path}.additionalProperties: Forbidden: must not be false (unknown fields are pruned instead)`);
}

function checkListType(node: JSONSchemaProps, path: string, out: string[]): void {
  const listType = node["x-kubernetes-list-type"];
  const keys = node["x-kubernetes-list-map-keys"];
  if (keys !== undefined && listType !== "map")
    out.push(`${path}.x-kubernetes-list-map-keys: Forbidden: requires x-kubernetes-list-type: map`);
  if (listType === undefined) return;
  if (node.type !== "array") out.push(`${path}.x-kubernetes-list-type: Invalid value: only allowed on arrays`);
  if (listType !== "map") return;
  const items = node.items;
  if (items?.type !== "object") {
    out.push(`${path}.items.type: Invalid value: x-kubernetes-list-type map needs object items`);
    return;
  }
  if (keys === undefined || keys.length === 0)
    out.push(`${path}.x-kubernetes-list-map-keys: Required value: needed for list-type map`);
  for (const key of keys ?? []) {
    const property = items.properties?.[key];
    if (property === undefined)
      out.push(`${path}.x-kubernetes-list-map-keys: Invalid value: ${key} is not a property of the items`);
    else if (!(items.required ?? []).includes(key) && property.default === undefined) {
      out.push(`${path}.x-kubernetes-list-map-keys: Invalid value: ${key} must be required or have a default`);
    }
  }
}

function checkRules(node: JSONSchemaProps, path: string, out: string[]): void {
  (node["x-kubernetes-validations"] ?? []).forEach((rule, index) => {
    const where = `${path}.x-kubernetes-validations[${index}]`;
    if (rule.rule.trim() === "") out.push(`${where}.rule: Required value`);
    const compiled = compileRule(rule.rule);
    if (compiled instanceof Error) out.push(`${where}.rule: Invalid value: compilation failed: ${compiled.message}`);
    const reasons = ["FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"];
    if (rule.reason !== undefined && !reasons.includes(rule.reason))
      out.push(`${where}.reason: Unsupported value: ${JSON.stringify(rule.reason)}`);
  });
}

function checkDefault(node: JSONSchemaProps, path: string, level: Level, out: string[]): void {
  if (node.default === undefined) return;
  if (level === "root") {
    out.push(`${path}.default: Forbidden: must not be set at the root`);
    return;
  }
  // The server validates a default as it would a value: defaulted, pruned, then validated.
  const defaulted = applyDefaults(node, node.default);
  const pruned = prune(node, defaulted).pruned;
  if (pruned.length > 0)
    out.push(`${path}.default: Invalid value: must not have unknown fields (${pruned.join(", ")})`);
  for (const issue of validate(node, defaulted))
    out.push(`${path}.default: Invalid value: ${issue.field} ${issue.message}`);
}

function checkMetadata(metadata: JSONSchemaProps, path: string, atResourceRoot: boolean, out: string[]): void {
  if (!atResourceRoot) return;
  if (metadata.type !== undefined && metadata.type !== "object")
    out.push(`${path}.type: Invalid value: must be object`);
  const allowedKeys = new Set(["type", "properties"]);
  const extraKeys = Object.keys(metadata).filter((k) => !allowedKeys.has(k));
  const extraProperties = Object.keys(metadata.properties ?? {}).filter((k) => k !== "name" && k !== "generateName");
  if (extraKeys.length > 0 || extraProperties.length > 0) {
    out.push(`${path}: Forbidden: must not specify anything other than name and generateName`);
  }
}

/** Value validations under allOf/anyOf/oneOf/not, checked against the node they belong to. */
function checkJunctors(
  owner: JSONSchemaProps,
  node: JSONSchemaProps,
  path: string,
  intOrString: boolean,
  out: string[],
): void {
  for (const junctor of JUNCTORS) {
    (node[junctor] ?? []).forEach((part, index) => {
      // Kubernetes' one exception: int-or-string may say anyOf: [{type: integer}, {type: string}].
      const intOrStringBranch = intOrString && junctor === "anyOf" && isBareType(part);
      checkNested(owner, part, `${path}.${junctor}[${index}]`, intOrStringBranch, out);
    });
  }
  if (node.not !== undefined) checkNested(owner, node.not, `${path}.not`, false, out);
}

function isBareType(part: JSONSchemaProps): boolean {
  const keys = Object.keys(part);
  return keys.length === 1 && (part.type === "integer" || part.type === "string");
}

function checkNested(
  owner: JSONSchemaProps,
  part: JSONSchemaProps,
  path: string,
  allowType: boolean,
  out: string[],
): void {
  checkKeys(part, path, out);
  for (const key of NESTED_FORBIDDEN) {
    if (key === "type" && allowType) continue;
    if (part[key] !== undefined) out.push(`${path}.${key}: Forbidden: must be empty to be structural`);
  }
  if (part.properties?.metadata !== undefined)
    out.push(`${path}.properties[metadata]: Forbidden: must not be specified in a nested context`);
  for (const [name, child] of Object.entries(part.properties ?? {})) {
    const declared = owner.properties?.[name];
    if (declared === undefined) {
      out.push(
        `${path}.properties[${name}]: Required value: ` +
          "because it is defined in a junctor, it must also be declared outside of it",
      );
    } else {
      checkNested(declared, child, `${path}.properties[${name}]`, false, out);
    }
  }
  if (part.items !== undefined) {
    if (owner.items === undefined)
      out.push(
        `${path}.items: Required value: because it is defined in a junctor, it must also be declared outside of it`,
      );
    else checkNested(owner.items, part.items, `${path}.items`, false, out);
  }
  checkJunctors(owner, part, path, false, out);
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
