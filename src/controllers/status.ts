/**
 * Status is written once per reconcile, only when it changed, through the /status subresource,
 * with `observedGeneration` (docs/development.md "Conventions").
 */
import { isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)].filter((k) => left[k] !== undefined || right[k] !== undefined));
  for (const key of keys) if (!jsonEqual(left[key], right[key])) return false;
  return true;
}

/**
 * Replaces the status when it differs from the observed one. Returns false when nothing was
 * written. A merge patch cannot remove list items, so the whole status is sent and fields that
 * vanished are set to null explicitly.
 */
export async function writeStatusIfChanged<S extends object>(
  port: KubePort,
  type: ResourceType,
  object: KubeObject & { status?: S },
  next: S,
): Promise<boolean> {
  const current: object = object.status ?? {};
  if (jsonEqual(current, next)) return false;
  const patch: Record<string, unknown> = { ...(next as Record<string, unknown>) };
  for (const key of Object.keys(current)) if (!(key in next)) patch[key] = null;
  try {
    await port.patchStatus(type, object.metadata.name, patch, object.metadata.namespace);
  } catch (err) {
    // Deleted while we reconciled: nothing left to report on.
    if (isNotFound(err)) return false;
    throw err;
  }
  return true;
}
