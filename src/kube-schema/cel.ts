import {
  celEnv,
  celMethod,
  CelScalar,
  isCelError,
  mapType,
  parse,
  plan,
  type CelInput,
  type CelMap,
  type CelResult,
  type CelValue,
} from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import type { JSONSchemaProps, ValidationRule } from "./index.ts";
import { isPlainObject } from "./paths.ts";

/*
 * CEL as Kubernetes runs it for `x-kubernetes-validations`: standard CEL (size, has, matches,
 * all/exists/map/filter, ...) plus the strings extension. Other Kubernetes libraries (lists,
 * regex find, url, quantity, ip/cidr, format) are not provided: a rule using them evaluates to a
 * clear "unbound function" error, never to a silent pass.
 */

// bufbuild/cel has no optional type; `optionalOldSelf` gets a marked map with the
// optional methods Kubernetes rules use on it (hasValue, value, orValue).
const OPTIONAL_MARK = "\u0000optional";
const OPTIONAL_VALUE = "\u0000optional.value";
const anyMap = mapType(CelScalar.STRING, CelScalar.DYN);

function optionalValue(map: CelMap): CelValue | undefined {
  return map.has(OPTIONAL_MARK) ? map.get(OPTIONAL_VALUE) : undefined;
}

const optionalMethods = [
  celMethod("hasValue", anyMap, [], CelScalar.BOOL, function () {
    return this.has(OPTIONAL_MARK) && this.has(OPTIONAL_VALUE);
  }),
  celMethod("value", anyMap, [], CelScalar.DYN, function () {
    const value = optionalValue(this);
    if (value === undefined) throw new Error("optional.none() dereference");
    return value;
  }),
  celMethod("orValue", anyMap, [CelScalar.DYN], CelScalar.DYN, function (fallback) {
    return optionalValue(this) ?? fallback;
  }),
];

const env = celEnv({ funcs: [...strings, ...optionalMethods] });

type Program = (bindings: Record<string, CelInput>) => CelResult;
const programs = new Map<string, Program | Error>();

/** Parses and plans a rule once; a syntax error comes back as an Error. */
export function compileRule(expression: string): Program | Error {
  let program = programs.get(expression);
  if (program === undefined) {
    try {
      const planned = plan(env, parse(expression));
      program = (bindings) => planned(bindings);
    } catch (error) {
      program = error instanceof Error ? error : new Error(String(error));
    }
    programs.set(expression, program);
  }
  return program;
}

/** A rule is a transition rule when it mentions `oldSelf` (outside string literals). */
export function isTransitionRule(rule: string): boolean {
  const withoutStrings = rule.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, "''");
  return /\boldSelf\b/.test(withoutStrings);
}

/**
 * JSON -> CEL as Kubernetes types it from the schema: `integer` (and the integer side of
 * int-or-string) becomes CEL int, objects become maps. Strings with `format: date-time` stay
 * strings here (Kubernetes would make them timestamps); our rules do not compare times.
 */
export function toCelValue(schema: JSONSchemaProps | undefined, value: unknown): CelInput {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    const integral =
      schema?.type === "integer" || schema?.type === undefined || schema["x-kubernetes-int-or-string"] === true;
    return integral && Number.isSafeInteger(value) ? BigInt(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => toCelValue(schema?.items, item));
  if (isPlainObject(value)) {
    const additional = typeof schema?.additionalProperties === "object" ? schema.additionalProperties : undefined;
    const entries = Object.entries(value).map(([key, child]): [string, CelInput] => [
      key,
      toCelValue(schema?.properties?.[key] ?? additional, child),
    ]);
    return new Map(entries);
  }
  return null;
}

export function optionalCelValue(schema: JSONSchemaProps, value: unknown): CelInput {
  const entries: [string, CelInput][] = [[OPTIONAL_MARK, true]];
  if (value !== undefined) entries.push([OPTIONAL_VALUE, toCelValue(schema, value)]);
  return new Map(entries);
}

export type RuleOutcome = { kind: "passed" } | { kind: "failed"; message: string } | { kind: "error"; message: string };

/** Evaluates one rule against `self` (and `oldSelf` when given); never throws. */
export function evaluateRule(rule: ValidationRule, bindings: Record<string, CelInput>): RuleOutcome {
  const program = compileRule(rule.rule);
  if (program instanceof Error) return { kind: "error", message: `rule does not compile: ${program.message}` };
  const result = safeRun(program, bindings);
  if (result instanceof Error || isCelError(result))
    return { kind: "error", message: `rule evaluation error: ${result.message}` };
  if (typeof result !== "boolean") return { kind: "error", message: "rule did not evaluate to a bool" };
  if (result) return { kind: "passed" };
  return { kind: "failed", message: failureMessage(rule, bindings) };
}

function failureMessage(rule: ValidationRule, bindings: Record<string, CelInput>): string {
  if (rule.messageExpression !== undefined) {
    const program = compileRule(rule.messageExpression);
    const text = program instanceof Error ? undefined : safeRun(program, bindings);
    // As the API server does, a failing or empty messageExpression falls back to `message`.
    if (typeof text === "string" && text.trim() !== "") return text;
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}

function safeRun(program: Program, bindings: Record<string, CelInput>): CelResult | Error {
  try {
    return program(bindings);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
