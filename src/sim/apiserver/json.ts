/** Small helpers for the untyped JSON objects the simulated API server stores. */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A deep copy of JSON data (objects, arrays, strings, numbers, booleans, null; undefined kept).
 * About seven times faster than structuredClone on a 20 KB Node, which made structuredClone a
 * quarter of the simulator's CPU in a 5,000-node rollout (docs/sim-apiserver.md).
 */
export function clone<T>(value: T): T {
  return copyJson(value) as T;
}

function copyJson(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJson);
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) {
    const field = copyJson((value as JsonObject)[key]);
    // A "__proto__" key (JSON.parse makes it an own property) must stay a property, not a prototype.
    if (key === "__proto__") Object.defineProperty(copy, key, { value: field, enumerable: true, writable: true });
    else copy[key] = field;
  }
  return copy;
}

/** The object's `metadata`, created empty when missing so callers can write into it. */
export function metaOf(object: JsonObject): JsonObject {
  const meta = object.metadata;
  if (isObject(meta)) return meta;
  const fresh: JsonObject = {};
  object.metadata = fresh;
  return fresh;
}

export function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" ? value : undefined;
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Reads a dotted path such as `spec.nodeName`; undefined when any step is missing. */
export function getPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const step of path.split(".")) {
    if (!isObject(current)) return undefined;
    current = current[step];
  }
  return current;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const ak = Object.keys(a);
    if (ak.length !== Object.keys(b).length) return false;
    return ak.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

/** Removes a key chosen at run time (JSON objects are used as maps throughout the server). */
export function deleteKey(object: JsonObject, key: string): void {
  Reflect.deleteProperty(object, key);
}
