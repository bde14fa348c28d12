/** metav1.LabelSelector: matching in memory, and the string form list calls take. Pure. */
import type { LabelSelector } from "../api/common.ts";

/** An empty (or absent) selector matches everything, as a node selector and a pod selector do. */
export function matchesLabelSelector(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined) return true;
  const have = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (have[key] !== value) return false;
  for (const requirement of selector.matchExpressions ?? []) {
    const present = Object.hasOwn(have, requirement.key);
    const value = have[requirement.key];
    const values = requirement.values ?? [];
    switch (requirement.operator) {
      case "In":
        if (!present || value === undefined || !values.includes(value)) return false;
        break;
      case "NotIn":
        if (present && value !== undefined && values.includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
    }
  }
  return true;
}

/** `a=b,c in (d,e),!f`: the selector string the API server parses. */
export function labelSelectorString(selector: LabelSelector | undefined): string {
  if (selector === undefined) return "";
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const requirement of selector.matchExpressions ?? []) {
    const values = (requirement.values ?? []).join(",");
    switch (requirement.operator) {
      case "In":
        parts.push(`${requirement.key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${requirement.key} notin (${values})`);
        break;
      case "Exists":
        parts.push(requirement.key);
        break;
      case "DoesNotExist":
        parts.push(`!${requirement.key}`);
        break;
    }
  }
  return parts.join(",");
}
