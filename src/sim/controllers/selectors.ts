/** Label selector matching as apimachinery's `labels.Selector` does it. */
import type { LabelSelector, SelectorRequirement } from "../cluster/kinds.ts";

export function matchesRequirement(labels: Record<string, string> | undefined, req: SelectorRequirement): boolean {
  const value = labels?.[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case "In":
      return value !== undefined && values.includes(value);
    case "NotIn":
      return value === undefined || !values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    // Gt/Lt exist only in node selector terms; both sides are integers there.
    case "Gt":
    case "Lt": {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value)) return false;
      const bound = Number(values[0]);
      return req.operator === "Gt" ? Number(value) > bound : Number(value) < bound;
    }
    default:
      return false;
  }
}

/**
 * A null selector matches nothing and an empty one everything (PodDisruptionBudget semantics in
 * policy/v1, and what Deployments and DaemonSets require anyway).
 */
export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: LabelSelector | undefined,
): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels?.[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(labels, req));
}
