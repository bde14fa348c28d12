/**
 * Label and field selectors with the grammar and error behaviour of the real API server
 * (k8s.io/apimachinery labels and fields packages).
 */
import { badRequest } from "./errors.ts";
import { getPath, isObject, stringList, stringMap, type JsonObject } from "./json.ts";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!exists" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const KEY = /^([a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([a-z0-9A-Z._-]*[a-z0-9A-Z])?)?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label value: "${value}"`);
  }
  return value;
}

function parseRequirement(raw: string): LabelRequirement {
  const text = raw.trim();
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (setMatch) {
    const [, key = "", op = "", list = ""] = setMatch;
    const values = list.split(",").map((v) => checkValue(v.trim()));
    return { key: checkKey(key), operator: op === "in" ? "in" : "notin", values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|!=|=|<|>)\s*(\S*)$/.exec(text);
  if (cmp) {
    const [, key = "", op = "", value = ""] = cmp;
    if (op === "<" || op === ">") {
      if (!/^-?\d+$/.test(value))
        throw badRequest(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key: checkKey(key), operator: op === ">" ? "gt" : "lt", values: [value] };
    }
    return { key: checkKey(key), operator: op === "!=" ? "!=" : "=", values: [checkValue(value)] };
  }
  if (text.startsWith("!")) return { key: checkKey(text.slice(1).trim()), operator: "!exists", values: [] };
  if (text !== "") return { key: checkKey(text), operator: "exists", values: [] };
  throw badRequest(`unable to parse requirement: found '', expected: identifier`);
}

/** Parses `labelSelector=`; an empty selector selects everything. Throws 400 on bad syntax. */
export function parseLabelSelector(selector: string | undefined): LabelRequirement[] {
  if (!selector || selector.trim() === "") return [];
  return splitTopLevel(selector).map(parseRequirement);
}

export function matchesLabels(requirements: LabelRequirement[], labels: Record<string, string>): boolean {
  return requirements.every((r) => {
    const value = labels[r.key];
    switch (r.operator) {
      case "=":
      case "in":
        return value !== undefined && r.values.includes(value);
      case "!=":
      case "notin":
        return value === undefined || !r.values.includes(value);
      case "exists":
        return value !== undefined;
      case "!exists":
        return value === undefined;
      case "gt":
      case "lt": {
        if (value === undefined || !/^-?\d+$/.test(value)) return false;
        const bound = Number(r.values[0]);
        return r.operator === "gt" ? Number(value) > bound : Number(value) < bound;
      }
    }
  });
}

/** Matches a metav1.LabelSelector object (PDB and workload selectors); `{}` matches everything. */
export function matchesLabelSelectorObject(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const requirements: LabelRequirement[] = Object.entries(stringMap(selector.matchLabels)).map(([key, value]) => ({
    key,
    operator: "=",
    values: [value],
  }));
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const expression of expressions) {
    if (!isObject(expression) || typeof expression.key !== "string") return false;
    const values = stringList(expression.values);
    const operators: Record<string, LabelOperator> = {
      In: "in",
      NotIn: "notin",
      Exists: "exists",
      DoesNotExist: "!exists",
    };
    const operator = typeof expression.operator === "string" ? operators[expression.operator] : undefined;
    if (!operator) return false;
    requirements.push({ key: expression.key, operator, values });
  }
  return matchesLabels(requirements, labels);
}

export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

const ALWAYS_SUPPORTED_FIELDS = ["metadata.name", "metadata.namespace"];

/** Parses `fieldSelector=`; fields outside `supported` are a 400 as on the real server. */
export function parseFieldSelector(selector: string | undefined, supported: string[]): FieldRequirement[] {
  if (!selector || selector.trim() === "") return [];
  return selector.split(",").map((part) => {
    const match = /^\s*([^=!\s]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(part);
    if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field = "", op = "", value = ""] = match;
    if (!ALWAYS_SUPPORTED_FIELDS.includes(field) && !supported.includes(field)) {
      throw badRequest(`field label not supported: ${field}`);
    }
    return { field, operator: op === "!=" ? "!=" : "=", value: value.replace(/\\(.)/g, "$1") };
  });
}

/** The string the real server compares a field selector against (booleans as true/false). */
export function fieldValue(object: JsonObject, field: string): string {
  const path = field === "source" ? "source.component" : field;
  const value = getPath(object, path);
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (field === "spec.unschedulable" || field === "spec.hostNetwork") return "false";
  return "";
}

export function matchesFields(requirements: FieldRequirement[], object: JsonObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === "="));
}
