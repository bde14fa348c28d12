import type { FieldIssue, JSONSchemaProps } from "./index.ts";
import { childPath, indexPath, isPlainObject, keyPath } from "./paths.ts";

/** The JSON type of a value in OpenAPI terms (`integer` for whole numbers). */
export function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Whether `value` has the type the node declares (int-or-string and untyped nodes included). */
export function matchesType(schema: JSONSchemaProps, value: unknown): boolean {
  const actual = jsonType(value);
  if (schema["x-kubernetes-int-or-string"] === true) return actual === "integer" || actual === "string";
  if (schema.type === undefined) return true;
  if (schema.type === "number") return actual === "number" || actual === "integer";
  return schema.type === actual;
}

/** How the API server prints a value in a cause message: JSON for scalars, the type name otherwise. */
export function shown(value: unknown): string {
  return isPlainObject(value) || Array.isArray(value) ? JSON.stringify(jsonType(value)) : JSON.stringify(value);
}

function invalid(field: string, value: unknown, detail: string): FieldIssue {
  return { reason: "FieldValueInvalid", field, message: `Invalid value: ${shown(value)}: ${detail}` };
}

const dateTime = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const date = /^\d{4}-\d{2}-\d{2}$/;

function formatProblem(format: string | undefined, text: string): string | undefined {
  if (format === "date-time" && (!dateTime.test(text) || Number.isNaN(Date.parse(text)))) return "date-time";
  if (format === "date" && (!date.test(text) || Number.isNaN(Date.parse(text)))) return "date";
  return undefined; // Like the API server, unknown formats are not checked.
}

/**
 * OpenAPI v3 validation of one value against one schema node, recursively, with causes shaped
 * like a 422's (kube-openapi's wording, e.g. `spec.x in body should be greater than or equal to 1`).
 */
export function validateOpenApi(schema: JSONSchemaProps, value: unknown, path: string, issues: FieldIssue[]): void {
  const where = path === "" ? "body" : `${path} in body`;
  if (value === null && schema.nullable === true) return;
  if (!matchesType(schema, value)) {
    const expected = schema["x-kubernetes-int-or-string"] === true ? "integer,string" : (schema.type ?? "");
    issues.push({
      reason: "FieldValueTypeInvalid",
      field: path,
      message:
        `Invalid value: ${JSON.stringify(jsonType(value))}: ` +
        `${where} must be of type ${expected}: ${JSON.stringify(jsonType(value))}`,
    });
    return;
  }
  if (schema.enum !== undefined && !schema.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(value))) {
    const supported = schema.enum.map((v) => JSON.stringify(v)).join(", ");
    issues.push({
      reason: "FieldValueNotSupported",
      field: path,
      message: `Unsupported value: ${shown(value)}: supported values: ${supported}`,
    });
  }
  if (typeof value === "string") validateString(schema, value, path, where, issues);
  if (typeof value === "number") validateNumber(schema, value, path, where, issues);
  if (Array.isArray(value)) validateArray(schema, value, path, where, issues);
  if (isPlainObject(value)) validateObject(schema, value, path, where, issues);
  validateJunctors(schema, value, path, where, issues);
}

function validateString(
  schema: JSONSchemaProps,
  text: string,
  path: string,
  where: string,
  issues: FieldIssue[],
): void {
  const length = codePoints(text);
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    issues.push({
      reason: "FieldValueTooLong",
      field: path,
      message: `Too long: may not be more than ${schema.maxLength} bytes`,
    });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    issues.push(invalid(path, text, `${where} should be at least ${schema.minLength} chars long`));
  }
  if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(text)) {
    issues.push(invalid(path, text, `${where} should match '${schema.pattern}'`));
  }
  const badFormat = formatProblem(schema.format, text);
  if (badFormat !== undefined)
    issues.push(invalid(path, text, `${where} must be of type ${badFormat}: ${JSON.stringify(text)}`));
}

/** Length as Go's utf8.RuneCountInString counts it, which is what maxLength means to the server. */
function codePoints(text: string): number {
  let count = 0;
  for (const _char of text) count++;
  return count;
}

function validateNumber(schema: JSONSchemaProps, n: number, path: string, where: string, issues: FieldIssue[]): void {
  const { minimum, maximum } = schema;
  if (minimum !== undefined && (schema.exclusiveMinimum === true ? n <= minimum : n < minimum)) {
    const op = schema.exclusiveMinimum === true ? "greater than" : "greater than or equal to";
    issues.push(invalid(path, n, `${where} should be ${op} ${minimum}`));
  }
  if (maximum !== undefined && (schema.exclusiveMaximum === true ? n >= maximum : n > maximum)) {
    const op = schema.exclusiveMaximum === true ? "less than" : "less than or equal to";
    issues.push(invalid(path, n, `${where} should be ${op} ${maximum}`));
  }
}

function validateArray(
  schema: JSONSchemaProps,
  list: unknown[],
  path: string,
  where: string,
  issues: FieldIssue[],
): void {
  if (schema.maxItems !== undefined && list.length > schema.maxItems) {
    issues.push({
      reason: "FieldValueTooMany",
      field: path,
      message: `Too many: ${list.length}: must have at most ${schema.maxItems} items`,
    });
  }
  if (schema.minItems !== undefined && list.length < schema.minItems) {
    issues.push(invalid(path, list, `${where} should have at least ${schema.minItems} items`));
  }
  const items = schema.items;
  if (items !== undefined)
    list.forEach((item, index) => {
      validateOpenApi(items, item, indexPath(path, index), issues);
    });
  const listType = schema["x-kubernetes-list-type"];
  if (listType === "set" || listType === "map") {
    const keys = schema["x-kubernetes-list-map-keys"] ?? [];
    const seen = new Set<string>();
    list.forEach((item, index) => {
      const identity =
        listType === "map" && isPlainObject(item)
          ? JSON.stringify(keys.map((k) => item[k] ?? null))
          : JSON.stringify(item);
      if (seen.has(identity)) {
        issues.push({
          reason: "FieldValueDuplicate",
          field: indexPath(path, index),
          message: `Duplicate value: ${identity}`,
        });
      }
      seen.add(identity);
    });
  }
}

function validateObject(
  schema: JSONSchemaProps,
  object: Record<string, unknown>,
  path: string,
  where: string,
  issues: FieldIssue[],
): void {
  for (const name of schema.required ?? []) {
    if (!(name in object))
      issues.push({ reason: "FieldValueRequired", field: childPath(path, name), message: "Required value" });
  }
  const count = Object.keys(object).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    issues.push({
      reason: "FieldValueTooMany",
      field: path,
      message: `Too many: ${count}: must have at most ${schema.maxProperties} items`,
    });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    issues.push(invalid(path, object, `${where} should have at least ${schema.minProperties} properties`));
  }
  const additional = schema.additionalProperties;
  for (const [key, child] of Object.entries(object)) {
    const property = schema.properties?.[key];
    if (property !== undefined) validateOpenApi(property, child, childPath(path, key), issues);
    else if (typeof additional === "object") validateOpenApi(additional, child, keyPath(path, key), issues);
  }
}

function passes(schema: JSONSchemaProps, value: unknown, path: string): boolean {
  const found: FieldIssue[] = [];
  validateOpenApi(schema, value, path, found);
  return found.length === 0;
}

function validateJunctors(
  schema: JSONSchemaProps,
  value: unknown,
  path: string,
  where: string,
  issues: FieldIssue[],
): void {
  for (const part of schema.allOf ?? []) validateOpenApi(part, value, path, issues);
  if (schema.anyOf !== undefined && !schema.anyOf.some((part) => passes(part, value, path))) {
    issues.push(invalid(path, value, `${where} must validate at least one schema (anyOf)`));
  }
  if (schema.oneOf !== undefined && schema.oneOf.filter((part) => passes(part, value, path)).length !== 1) {
    issues.push(invalid(path, value, `${where} must validate one and only one schema (oneOf)`));
  }
  if (schema.not !== undefined && passes(schema.not, value, path)) {
    issues.push(invalid(path, value, `${where} must not validate the schema (not)`));
  }
}
