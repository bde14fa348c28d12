/** A small flag parser every subcommand shares: flags, env vars, defaults, one-line errors. */
import { parseArgs } from "node:util";
import { z } from "zod";

export type Env = Record<string, string | undefined>;

interface FlagBase {
  description: string;
  /** Environment variables read after the flag's own RKE2_LIFECYCLE_* one, in order. */
  alsoEnv?: readonly string[];
}
export interface StringFlag extends FlagBase {
  type: "string";
  default?: string;
  /** A pattern the value must match, and how to say what was expected. */
  check?: { pattern: RegExp; expected: string };
}
export interface IntegerFlag extends FlagBase {
  type: "integer";
  default?: number;
  min: number;
  max: number;
}
export interface BooleanFlag extends FlagBase {
  type: "boolean";
  default?: boolean;
}
export interface ChoiceFlag<C extends string = string> extends FlagBase {
  type: "choice";
  choices: readonly C[];
  default?: C;
}
export type FlagSpec = StringFlag | IntegerFlag | BooleanFlag | ChoiceFlag;
export type FlagSpecs = Record<string, FlagSpec>;

type FlagType<F> = F extends { type: "integer" }
  ? number
  : F extends { type: "boolean" }
    ? boolean
    : F extends { choices: readonly (infer C)[] }
      ? C
      : string;

/** Parsed values keyed like the spec (camelCase); flags with a default are never undefined. */
export type FlagValues<S extends FlagSpecs> = {
  -readonly [K in keyof S]: S[K] extends { default: unknown } ? FlagType<S[K]> : FlagType<S[K]> | undefined;
};

/** Where a value came from: `--flag`, an env var's name, or `default`. */
export type FlagSources<S extends FlagSpecs> = Record<keyof S, string>;

export type FlagParseResult<S extends FlagSpecs> =
  { ok: true; values: FlagValues<S>; sources: FlagSources<S>; positionals: string[] } | { ok: false; error: string };

export interface ParseFlagsOptions {
  /** Prefix of each flag's env var (`RKE2_LIFECYCLE_` + UPPER_SNAKE name); null: no env vars. */
  envPrefix?: string | null;
  allowPositionals?: boolean;
}

/** `metricsPort` → `metrics-port`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `metricsPort` → `RKE2_LIFECYCLE_METRICS_PORT`. */
export function envName(key: string, prefix = "RKE2_LIFECYCLE_"): string {
  return prefix + flagName(key).replace(/-/g, "_").toUpperCase();
}

function schemaFor(spec: FlagSpec): { schema: z.ZodType; expected: string } {
  switch (spec.type) {
    case "integer":
      return {
        schema: z
          .string()
          .trim()
          .regex(/^[+-]?\d+$/)
          .transform(Number)
          .pipe(z.number().int().min(spec.min).max(spec.max)),
        expected: `an integer ${spec.min}-${spec.max}`,
      };
    case "boolean":
      return {
        schema: z.union([
          z.boolean(),
          z.enum(["true", "1", "yes"]).transform(() => true),
          z.enum(["false", "0", "no"]).transform(() => false),
        ]),
        expected: "true or false",
      };
    case "choice":
      return { schema: z.enum(spec.choices as [string, ...string[]]), expected: `one of ${spec.choices.join(", ")}` };
    case "string":
      return {
        schema: spec.check ? z.string().regex(spec.check.pattern) : z.string().min(1),
        expected: spec.check?.expected ?? "a non-empty value",
      };
  }
}

/** Turns node:util's parse errors into the same `--flag: what is wrong` form as value errors. */
function describeParseError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown }).code;
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `${option}: unknown flag`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
    return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ""}`;
  if (message.includes("argument missing") || message.includes("ambiguous")) {
    return `${option}: expected a value (use ${option}=VALUE for values starting with "-")`;
  }
  if (message.includes("does not take an argument")) {
    return `${option}: takes no value (use ${option} or --no-${option.replace(/^-+/, "")})`;
  }
  return message.split("\n")[0] ?? message;
}

const TRUE_WORDS: readonly string[] = ["true", "1", "yes"];
const FALSE_WORDS: readonly string[] = ["false", "0", "no"];

/**
 * node:util's parseArgs refuses a value on a boolean (`--leader-elect=false`), which Go CLIs such
 * as kubectl accept. Rewrites `--flag=<bool>` of a boolean flag to `--flag` or `--no-flag`
 * before parsing; anything after `--` is left alone. Returns an error for a value that is no boolean.
 */
function normalizeBooleanValues(argv: readonly string[], booleans: ReadonlySet<string>): string[] | { error: string } {
  const terminator = argv.indexOf("--");
  const flags = terminator === -1 ? argv : argv.slice(0, terminator);
  const rest = terminator === -1 ? [] : argv.slice(terminator);
  const rewritten: string[] = [];
  for (const arg of flags) {
    const match = /^--([^=]+)=(.*)$/s.exec(arg);
    const negated = match?.[1]?.startsWith("no-") ? match[1].slice(3) : undefined;
    if (negated !== undefined && booleans.has(negated)) {
      return { error: `--no-${negated}: takes no value (use --no-${negated} or --${negated}=false)` };
    }
    if (!match?.[1] || !booleans.has(match[1])) {
      rewritten.push(arg);
      continue;
    }
    const [, name, value = ""] = match;
    const word = value.toLowerCase();
    if (TRUE_WORDS.includes(word)) rewritten.push(`--${name}`);
    else if (FALSE_WORDS.includes(word)) rewritten.push(`--no-${name}`);
    else return { error: `--${name}: expected true or false, got ${JSON.stringify(value)}` };
  }
  return [...rewritten, ...rest];
}

/**
 * Parses flags strictly (unknown flags are errors) and fills each value from, in order: the flag,
 * its env var(s), its default. Every error is one line naming the flag or env var at fault, e.g.
 * `--workers: expected an integer 1-64, got "abc"`.
 */
export function parseFlags<const S extends FlagSpecs>(
  argv: readonly string[],
  env: Env,
  specs: S,
  options: ParseFlagsOptions = {},
): FlagParseResult<S> {
  const parseOptions: Record<string, { type: "string" | "boolean" }> = {};
  for (const [key, spec] of Object.entries(specs)) {
    parseOptions[flagName(key)] = { type: spec.type === "boolean" ? "boolean" : "string" };
  }
  const booleans = new Set(Object.keys(parseOptions).filter((name) => parseOptions[name]?.type === "boolean"));
  const args = normalizeBooleanValues(argv, booleans);
  if (!Array.isArray(args)) return { ok: false, error: args.error };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args,
      options: parseOptions,
      strict: true,
      allowNegative: true,
      allowPositionals: options.allowPositionals ?? false,
    });
  } catch (err) {
    return { ok: false, error: describeParseError(err) };
  }

  const envPrefix = options.envPrefix === undefined ? "RKE2_LIFECYCLE_" : options.envPrefix;
  const values: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  for (const [key, spec] of Object.entries(specs)) {
    const candidates: [string, string | boolean | undefined][] = [[`--${flagName(key)}`, parsed.values[flagName(key)]]];
    const envNames = [...(envPrefix === null ? [] : [envName(key, envPrefix)]), ...(spec.alsoEnv ?? [])];
    for (const name of envNames) candidates.push([name, env[name] === "" ? undefined : env[name]]);
    const found = candidates.find(([, raw]) => raw !== undefined);
    if (!found) {
      values[key] = spec.default;
      sources[key] = "default";
      continue;
    }
    const [source, raw] = found;
    const { schema, expected } = schemaFor(spec);
    const result = schema.safeParse(raw);
    if (!result.success) return { ok: false, error: `${source}: expected ${expected}, got ${JSON.stringify(raw)}` };
    values[key] = result.data;
    sources[key] = source;
  }
  return {
    ok: true,
    values: values as FlagValues<S>,
    sources: sources as FlagSources<S>,
    positionals: parsed.positionals,
  };
}

/** Usage lines for `--help`: flag, description, env var and default. */
export function flagUsage(specs: FlagSpecs, envPrefix: string | null = "RKE2_LIFECYCLE_"): string {
  return Object.entries(specs)
    .map(([key, spec]) => {
      const value =
        spec.type === "boolean" ? "" : spec.type === "choice" ? ` <${spec.choices.join("|")}>` : ` <${spec.type}>`;
      const envs = [...(envPrefix === null ? [] : [envName(key, envPrefix)]), ...(spec.alsoEnv ?? [])];
      const extra = [
        envs.length ? `env ${envs.join(", ")}` : "",
        spec.default !== undefined ? `default ${String(spec.default)}` : "",
      ]
        .filter(Boolean)
        .join("; ");
      return `  --${flagName(key)}${value}\n      ${spec.description}${extra ? ` (${extra})` : ""}`;
    })
    .join("\n");
}
