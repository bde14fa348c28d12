/**
 * The subset of kubectl's JSONPath that additionalPrinterColumns use: `.a.b`, `[n]`, `[*]`,
 * `[?(@.k=="v")]` (also `!=`) and a single leading `{...}` wrapper.
 */
import { isObject } from "./json.ts";

type Step =
  | { field: string }
  | { index: number }
  | { all: true }
  | { filter: { path: string[]; equals: boolean; value: string } };

function parse(expression: string): Step[] {
  let text = expression.trim();
  if (text.startsWith("{") && text.endsWith("}")) text = text.slice(1, -1);
  if (text.startsWith("$")) text = text.slice(1);
  const steps: Step[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@((?:\.[^=!)\s]+)+)\s*(==|!=)\s*["']?([^"')]*)["']?\)\]/g;
  for (const m of text.matchAll(pattern)) {
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined)
      steps.push({ filter: { path: m[3].slice(1).split("."), equals: m[4] === "==", value: m[5] ?? "" } });
    else steps.push({ all: true });
  }
  return steps;
}

function follow(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) current = isObject(current) ? current[key] : undefined;
  return current;
}

/** All values the expression selects (empty when nothing matches). */
export function evaluateJsonPath(object: unknown, expression: string): unknown[] {
  let current: unknown[] = [object];
  for (const step of parse(expression)) {
    const next: unknown[] = [];
    for (const value of current) {
      if ("field" in step) {
        if (isObject(value) && value[step.field] !== undefined) next.push(value[step.field]);
      } else if ("index" in step) {
        if (Array.isArray(value) && step.index < value.length) next.push(value[step.index]);
      } else if ("all" in step) {
        if (Array.isArray(value)) next.push(...(value as unknown[]));
        else if (isObject(value)) next.push(...Object.values(value));
      } else if (Array.isArray(value)) {
        const { path, equals, value: wanted } = step.filter;
        for (const item of value as unknown[]) {
          const got = follow(item, path);
          if ((String(got) === wanted) === equals && got !== undefined) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}
