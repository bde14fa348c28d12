/**
 * Status is written once per reconcile, only when it changed, through the /status subresource,
 * with `observedGeneration` (docs/development.md "Conventions").
 */
import { findCondition, type Condition, type ConditionStatus } from "../api/condition.ts";
import { isConflict, isKubeError, isNotFound, type KubeError } from "../runtime/kube/errors.ts";
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
  const keys = new Set(
    [...Object.keys(left), ...Object.keys(right)].filter((k) => left[k] !== undefined || right[k] !== undefined),
  );
  for (const key of keys) if (!jsonEqual(left[key], right[key])) return false;
  return true;
}

/**
 * Replaces the status when it differs from the observed one. Returns false when nothing was
 * written. A merge patch cannot remove list items, so the whole status is sent and fields that
 * vanished are set to null explicitly.
 *
 * The write carries the resourceVersion of the object the status was computed from, so a status
 * computed from a cache that lags cannot land over a newer one (docs/status.md). On 409 the object
 * is read again: when only its metadata moved (a finalizer, a label) and its spec generation and
 * status are the ones `next` was computed from, `next` still holds and is written at the fresh
 * version; otherwise the Conflict is thrown and the reconcile recomputes on its retry. `written`
 * (the controller's StoreWithOwnWrites) remembers the object the write returned, so the next
 * reconcile starts from it even before the watch delivers it.
 */
export async function writeStatusIfChanged<T extends KubeObject & { status?: object }>(
  port: KubePort,
  type: ResourceType,
  object: T,
  next: NonNullable<T["status"]>,
  written?: { record(object: T): void },
): Promise<boolean> {
  const current: object = object.status ?? {};
  if (jsonEqual(current, next)) return false;
  const patch = mergePatchBetween(current, next);
  const { name, namespace } = object.metadata;
  let resourceVersion = object.metadata.resourceVersion;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await port.patchStatus<T>(
        type,
        name,
        patch,
        namespace,
        resourceVersion ? { resourceVersion } : {},
      );
      written?.record(result);
      return true;
    } catch (err) {
      // Deleted while we reconciled: nothing left to report on.
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt > 1) throw err;
      const fresh = await port.get<T>(type, name, namespace);
      if (!fresh) return false;
      if (!computedFromTheSame(object, fresh)) throw err;
      resourceVersion = fresh.metadata.resourceVersion;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The JSON merge patch (RFC 7396) that turns `current` into `next`: `next` itself, with every key
 * that vanished set to null, in nested objects too (a merge patch merges objects key by key, so a
 * field left out of a nested object would otherwise survive). Lists are replaced whole.
 */
export function mergePatchBetween(current: object, next: object): Record<string, unknown> {
  const before = current as Record<string, unknown>;
  const patch: Record<string, unknown> = { ...(next as Record<string, unknown>) };
  for (const key of Object.keys(before)) {
    const old = before[key];
    const now = patch[key];
    if (now === undefined) patch[key] = null;
    else if (isPlainObject(old) && isPlainObject(now)) patch[key] = mergePatchBetween(old, now);
  }
  return patch;
}

/**
 * writeStatusIfChanged, with a Conflict returned instead of thrown: the caller still reports what
 * it did this round (events of its node actions), then throws it so the reconcile is retried.
 */
export async function writeStatusOrConflict<T extends KubeObject & { status?: object }>(
  port: KubePort,
  type: ResourceType,
  object: T,
  next: NonNullable<T["status"]>,
  written?: { record(object: T): void },
): Promise<KubeError | undefined> {
  try {
    await writeStatusIfChanged(port, type, object, next, written);
    return undefined;
  } catch (err) {
    if (isKubeError(err, "Conflict")) return err;
    throw err;
  }
}

/** Same spec generation and status: what a status is computed from did not change. */
function computedFromTheSame(seen: KubeObject & { status?: object }, fresh: KubeObject & { status?: object }): boolean {
  return seen.metadata.generation === fresh.metadata.generation && jsonEqual(seen.status ?? {}, fresh.status ?? {});
}

/** A condition in `status` (with one of `reasons`, when given) gives the status message, after `prefix`. */
export interface MessageRule {
  type: string;
  status: ConditionStatus;
  reasons?: readonly string[];
  prefix?: string;
}

/** status.message, pure: the message of the first condition a rule matches (rules in order of urgency). */
export function messageFromConditions(
  conditions: readonly Condition[],
  rules: readonly MessageRule[],
): string | undefined {
  for (const rule of rules) {
    const found = findCondition(conditions, rule.type);
    if (found?.status !== rule.status || (rule.reasons !== undefined && !rule.reasons.includes(found.reason))) continue;
    return `${rule.prefix ?? ""}${found.message}`;
  }
  return undefined;
}
