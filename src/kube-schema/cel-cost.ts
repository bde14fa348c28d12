import type { JSONSchemaProps } from "./index.ts";

/*
 * kube-apiserver estimates the worst-case cost of every CEL rule from the schema and refuses a
 * CRD over budget. The estimate multiplies a rule's cost by how many times it can run (the
 * maxItems of every list above it) and grows with the length of the strings and lists it reads.
 * This is a conservative stand-in for that estimator, for our own CRDs' tests: a rule must not
 * sit under an unbounded list or map, and every string or list it reads directly as
 * `self.<field>` (or `self` itself) must be bounded.
 */
export function checkCelCostBounds(schema: JSONSchemaProps): string[] {
  const problems: string[] = [];
  walk(schema, "openAPIV3Schema", [], problems);
  return [...new Set(problems)];
}

function walk(node: JSONSchemaProps, path: string, unboundedAbove: string[], out: string[]): void {
  const rules = node["x-kubernetes-validations"] ?? [];
  if (rules.length > 0) {
    for (const above of unboundedAbove)
      out.push(`${path}: CEL rules under ${above}, which has no maxItems/maxProperties`);
    for (const rule of rules) {
      // `self.<property>` reads that field; any other use of `self` (size(self), self.all(...)) reads the node.
      for (const match of rule.rule.matchAll(/\bself\b(?:\.([A-Za-z_][A-Za-z0-9_]*))?/g)) {
        const name = match[1];
        const field = name === undefined ? undefined : node.properties?.[name];
        if (field !== undefined) checkBounded(field, `${path}.properties[${name ?? ""}]`, rule.rule, out);
        else checkBounded(node, path, rule.rule, out);
      }
    }
  }
  if (node.items !== undefined) {
    const bound = node.maxItems === undefined ? [...unboundedAbove, path] : unboundedAbove;
    walk(node.items, `${path}.items`, bound, out);
  }
  for (const [name, child] of Object.entries(node.properties ?? {}))
    walk(child, `${path}.properties[${name}]`, unboundedAbove, out);
  if (typeof node.additionalProperties === "object") {
    const bound = node.maxProperties === undefined ? [...unboundedAbove, path] : unboundedAbove;
    walk(node.additionalProperties, `${path}.additionalProperties`, bound, out);
  }
}

function checkBounded(node: JSONSchemaProps, path: string, rule: string, out: string[]): void {
  const boundedString = node.maxLength !== undefined || node.enum !== undefined || node.format === "date-time";
  if (node.type === "string" && !boundedString) out.push(`${path}: string read by rule "${rule}" needs maxLength`);
  if (node.type === "array" && node.maxItems === undefined)
    out.push(`${path}: list read by rule "${rule}" needs maxItems`);
}
