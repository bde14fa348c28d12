/**
 * The three patch formats of the API server: JSON merge patch (RFC 7386), JSON patch (RFC 6902)
 * and strategic merge patch for built-in kinds (lists merged by their patchMergeKey).
 */
import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { ApiError, badRequest } from "./errors.ts";
import { clone, deepEqual, isObject, type JsonObject, deleteKey } from "./json.ts";

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) deleteKey(result, key);
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** Applies RFC 6902 operations; a failing operation is a 422 as on the real server. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  try {
    return jsonpatch.applyPatch(clone(target), operations as Operation[], true, true).newDocument;
  } catch (err) {
    const message = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
    throw new ApiError(422, "Invalid", message);
  }
}

/**
 * patchMergeKey of the list fields of built-in kinds that merge rather than replace (from the
 * `patchStrategy:"merge"` struct tags of k8s.io/api). Keyed by field name: within the kinds served
 * here each name means the same list everywhere. Lists not named here are atomic (e.g. taints,
 * tolerations, containerStatuses), as they are on the real server.
 */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  imagePullSecrets: "name",
  ports: "containerPort",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  conditions: "type",
  addresses: "type",
  ownerReferences: "uid",
  hostAliases: "ip",
};

/** Lists of scalars merged as sets (`patchStrategy:"merge"` on a []string). */
export const MERGED_SCALAR_LISTS: ReadonlySet<string> = new Set(["finalizers"]);

const SET_ORDER = "$setElementOrder/";
const DELETE_FROM = "$deleteFromPrimitiveList/";

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith("$")) continue;
    if (v === null) continue;
    out[k] = stripDirectives(v);
  }
  return out;
}

function orderBy(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const keyOf = (v: unknown): unknown => (mergeKey && isObject(v) ? v[mergeKey] : v);
  const wanted = order.map(keyOf);
  const ranked = list.map((item, index) => {
    const rank = wanted.findIndex((w) => deepEqual(w, keyOf(item)));
    return { item, rank: rank < 0 ? wanted.length + index : rank };
  });
  return ranked.sort((a, b) => a.rank - b.rank).map((r) => r.item);
}

function mergeKeyedList(original: unknown, patch: unknown[], mergeKey: string): unknown[] {
  if (patch.some((p) => isObject(p) && p.$patch === "replace")) {
    return patch.filter((p) => !(isObject(p) && p.$patch === "replace")).map(stripDirectives);
  }
  const result: unknown[] = Array.isArray(original) ? clone(original) : [];
  for (const element of patch) {
    if (!isObject(element)) {
      result.push(element);
      continue;
    }
    const index = result.findIndex((r) => isObject(r) && deepEqual(r[mergeKey], element[mergeKey]));
    if (element.$patch === "delete") {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], element);
    } else {
      result.push(stripDirectives(element));
    }
  }
  return result;
}

function mergeScalarList(original: unknown, patch: unknown[]): unknown[] {
  const result: unknown[] = Array.isArray(original) ? clone(original) : [];
  for (const value of patch) if (!result.some((r) => deepEqual(r, value))) result.push(value);
  return result;
}

/** Strategic merge patch of a built-in object (`application/strategic-merge-patch+json`). */
export function strategicMerge(original: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === "replace") return stripDirectives(patch);
  if (patch.$patch === "delete") return undefined;
  const result: JsonObject = isObject(original) ? clone(original) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) {
      deleteKey(result, key);
      continue;
    }
    const mergeKey = MERGE_KEYS[key];
    if (Array.isArray(value) && mergeKey) result[key] = mergeKeyedList(result[key], value, mergeKey);
    else if (Array.isArray(value) && MERGED_SCALAR_LISTS.has(key)) result[key] = mergeScalarList(result[key], value);
    else if (isObject(value)) {
      const merged = strategicMerge(result[key], value);
      if (merged === undefined) deleteKey(result, key);
      else result[key] = merged;
    } else result[key] = clone(value);
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM) && Array.isArray(value)) {
      const field = key.slice(DELETE_FROM.length);
      const list = result[field];
      if (Array.isArray(list)) result[field] = list.filter((item) => !value.some((v) => deepEqual(v, item)));
    }
    if (key.startsWith(SET_ORDER) && Array.isArray(value)) {
      const field = key.slice(SET_ORDER.length);
      const list = result[field];
      if (Array.isArray(list)) result[field] = orderBy(list, value, MERGE_KEYS[field]);
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) deleteKey(result, key);
  }
  return result;
}
