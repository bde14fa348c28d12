import type { CelInput } from "@bufbuild/cel";
import { evaluateRule, isTransitionRule, optionalCelValue, toCelValue } from "./cel.ts";
import type { FieldIssue, JSONSchemaProps, ValidationRule } from "./index.ts";
import { jsonType, matchesType, validateOpenApi } from "./openapi.ts";
import { childPath, indexPath, isPlainObject, keyPath } from "./paths.ts";

/**
 * What kube-apiserver answers for a custom resource that was already pruned and defaulted:
 * OpenAPI v3 schema validation first, then every `x-kubernetes-validations` rule, as causes of
 * a 422. `oldValue` is the stored object on update: transition rules (those using `oldSelf`)
 * run only where an old value correlates (object fields, and list items of `map` lists by key),
 * unless the rule sets `optionalOldSelf`.
 */
export function validate(schema: JSONSchemaProps, value: unknown, oldValue?: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  validateOpenApi(schema, value, "", issues);
  validateCel(schema, value, oldValue, "", issues);
  return issues;
}

function validateCel(
  schema: JSONSchemaProps,
  value: unknown,
  oldValue: unknown,
  path: string,
  issues: FieldIssue[],
): void {
  // A node of the wrong type already has its OpenAPI cause; CEL would only add noise.
  if (value === undefined || value === null || !matchesType(schema, value)) return;
  for (const rule of schema["x-kubernetes-validations"] ?? []) checkRule(rule, schema, value, oldValue, path, issues);
  if (Array.isArray(value)) {
    const items = schema.items;
    if (items === undefined) return;
    value.forEach((item, index) => {
      validateCel(items, item, correlatedItem(schema, item, oldValue), indexPath(path, index), issues);
    });
  } else if (isPlainObject(value)) {
    const additional = schema.additionalProperties;
    const old = isPlainObject(oldValue) ? oldValue : undefined;
    for (const [key, child] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (property !== undefined) validateCel(property, child, old?.[key], childPath(path, key), issues);
      else if (typeof additional === "object") validateCel(additional, child, old?.[key], keyPath(path, key), issues);
    }
  }
}

/** Only `map` lists correlate old and new items (by their keys), as in Kubernetes. */
function correlatedItem(schema: JSONSchemaProps, item: unknown, oldList: unknown): unknown {
  if (schema["x-kubernetes-list-type"] !== "map" || !Array.isArray(oldList) || !isPlainObject(item)) return undefined;
  const keys = schema["x-kubernetes-list-map-keys"] ?? [];
  return oldList.find((old) => isPlainObject(old) && keys.every((k) => old[k] === item[k]));
}

function checkRule(
  rule: ValidationRule,
  schema: JSONSchemaProps,
  value: unknown,
  oldValue: unknown,
  path: string,
  issues: FieldIssue[],
): void {
  const bindings: Record<string, CelInput> = { self: toCelValue(schema, value) };
  if (isTransitionRule(rule.rule)) {
    if (rule.optionalOldSelf === true) bindings.oldSelf = optionalCelValue(schema, oldValue);
    else if (oldValue === undefined) return;
    else bindings.oldSelf = toCelValue(schema, oldValue);
  }
  const outcome = evaluateRule(rule, bindings);
  if (outcome.kind === "passed") return;
  const field = rule.fieldPath === undefined ? path : joinFieldPath(path, rule.fieldPath);
  const typeName = JSON.stringify(schema.type ?? jsonType(value));
  if (outcome.kind === "error") {
    issues.push({
      reason: "FieldValueInvalid",
      field,
      message: `Invalid value: ${typeName}: ${outcome.message} (rule: ${rule.rule})`,
    });
    return;
  }
  issues.push({
    reason: rule.reason ?? "FieldValueInvalid",
    field,
    message: causeMessage(rule.reason, typeName, outcome.message),
  });
}

function causeMessage(reason: string | undefined, typeName: string, message: string): string {
  switch (reason) {
    case "FieldValueForbidden":
      return `Forbidden: ${message}`;
    case "FieldValueRequired":
      return `Required value: ${message}`;
    case "FieldValueDuplicate":
      return `Duplicate value: ${message}`;
    default:
      return `Invalid value: ${typeName}: ${message}`;
  }
}

/** `fieldPath` is relative to the rule's node and starts with a dot: `.spec.replicas`. */
function joinFieldPath(path: string, fieldPath: string): string {
  const relative = fieldPath.startsWith(".") ? fieldPath.slice(1) : fieldPath;
  if (relative === "") return path;
  return relative.startsWith("[") ? `${path}${relative}` : childPath(path, relative);
}
