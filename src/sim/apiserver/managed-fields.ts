/**
 * metadata.managedFields, simplified: one entry per (manager, operation) whose FieldsV1 lists the
 * leaf fields that manager set. Lists of built-in kinds with a patchMergeKey are tracked per
 * element (`k:{"name":"c"}`); every other list is atomic (one leaf), as for CRs without
 * x-kubernetes-list-type: map.
 */
import { deepEqual, isObject, metaOf, stringField, type JsonObject } from "./json.ts";
import { MERGE_KEYS } from "./patch.ts";
import type { ResourceDef } from "./resources.ts";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: JsonObject;
  subresource?: string;
}

/** Metadata fields the server owns; never part of anyone's field set. */
const SERVER_META = new Set([
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "name",
  "namespace",
  "generateName",
]);

function mergeKeysFor(def: ResourceDef): Readonly<Record<string, string>> {
  return def.builtin ? MERGE_KEYS : {};
}

/**
 * Steps of a flat field path are joined with the ASCII unit separator, not "/": a list key such as
 * `k:{"mountPath":"/host"}` contains slashes (and any printable character) itself.
 */
export const FIELD_PATH_SEPARATOR = "\u001f";

export function joinFieldPath(steps: readonly string[]): string {
  return steps.join(FIELD_PATH_SEPARATOR);
}

export function splitFieldPath(path: string): string[] {
  return path.split(FIELD_PATH_SEPARATOR);
}

/** Flat leaf paths (steps `f:spec`, `f:containers`, `k:{"name":"a"}`, `f:image`) of a value. */
export function leafPaths(def: ResourceDef, value: unknown, prefix: string[] = []): string[] {
  if (!isObject(value)) return [joinFieldPath(prefix)];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (prefix.length === 0 && (key === "apiVersion" || key === "kind")) continue;
    if (prefix.length === 1 && prefix[0] === "f:metadata" && SERVER_META.has(key)) continue;
    const step = [...prefix, `f:${key}`];
    const mergeKey = mergeKeysFor(def)[key];
    if (mergeKey !== undefined && isKeyedList(child, mergeKey)) {
      for (const element of child) out.push(...leafPaths(def, element, [...step, elementStep(element, mergeKey)]));
    } else if (isObject(child) && Object.keys(child).length > 0) out.push(...leafPaths(def, child, step));
    else out.push(joinFieldPath(step));
  }
  return out;
}

/**
 * Leaf paths whose value differs between two versions of an object (what an Update set), in
 * `leafPaths(def, after)` order. Both objects are walked once, side by side; objects with two list
 * elements under one merge key (which `valueAt` resolves to the first) take the path-by-path way.
 */
export function changedPaths(def: ResourceDef, before: JsonObject | undefined, after: JsonObject): string[] {
  const out: string[] = [];
  return diffObject(def, before, after, [], out) ? out : changedPathsOneByOne(def, before, after);
}

/** A keyed list element's step, `k:{"name":"a"}`. */
function elementStep(element: JsonObject, mergeKey: string): string {
  return `k:${JSON.stringify({ [mergeKey]: element[mergeKey] })}`;
}

/** A keyed list's element steps in order, or undefined when one repeats. */
function elementSteps(list: readonly JsonObject[], mergeKey: string): string[] | undefined {
  const steps = list.map((element) => elementStep(element, mergeKey));
  return new Set(steps).size === steps.length ? steps : undefined;
}

/** A list tracked per element: every element an object carrying the merge key. */
function isKeyedList(value: unknown, mergeKey: string): value is JsonObject[] {
  return Array.isArray(value) && value.every((c) => isObject(c) && mergeKey in c);
}

/**
 * Adds to `out` the changed leaf paths under `after` (walked as `leafPaths` walks it); `before` is
 * the same place in the old object when `leafPaths` descends into it there too. False when a keyed
 * list repeats a key.
 */
function diffObject(
  def: ResourceDef,
  before: JsonObject | undefined,
  after: JsonObject,
  prefix: string[],
  out: string[],
): boolean {
  for (const [key, child] of Object.entries(after)) {
    if (prefix.length === 0 && (key === "apiVersion" || key === "kind")) continue;
    if (prefix.length === 1 && prefix[0] === "f:metadata" && SERVER_META.has(key)) continue;
    const step = [...prefix, `f:${key}`];
    const mergeKey = mergeKeysFor(def)[key];
    const hadKey = before !== undefined && Object.hasOwn(before, key);
    const old = hadKey ? before[key] : undefined;
    if (mergeKey !== undefined && isKeyedList(child, mergeKey)) {
      const steps = elementSteps(child, mergeKey);
      const oldList = hadKey && isKeyedList(old, mergeKey) ? old : undefined;
      const oldSteps = oldList && elementSteps(oldList, mergeKey);
      if (!steps || (oldList && !oldSteps)) return false;
      for (const [i, element] of child.entries()) {
        const j = oldSteps?.indexOf(steps[i] ?? "") ?? -1;
        const oldElement = j >= 0 ? oldList?.[j] : undefined;
        if (!diffObject(def, oldElement, element, [...step, steps[i] ?? ""], out)) return false;
      }
    } else if (isObject(child) && Object.keys(child).length > 0) {
      const descends = hadKey && isObject(old) && Object.keys(old).length > 0;
      if (!diffObject(def, descends ? old : undefined, child, step, out)) return false;
    } else if (!(hadKey && deepEqual(old, child))) {
      // A leaf here: unchanged only if the old object held the same value (so a leaf there too).
      out.push(joinFieldPath(step));
    }
  }
  return true;
}

function changedPathsOneByOne(def: ResourceDef, before: JsonObject | undefined, after: JsonObject): string[] {
  const beforeValues = new Map<string, unknown>();
  if (before) for (const path of leafPaths(def, before)) beforeValues.set(path, valueAt(before, path));
  return leafPaths(def, after).filter(
    (path) => !beforeValues.has(path) || !deepEqual(beforeValues.get(path), valueAt(after, path)),
  );
}

/** The value at a flat path, undefined when absent. */
export function valueAt(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const step of splitFieldPath(path)) {
    if (step.startsWith("f:")) current = isObject(current) ? current[step.slice(2)] : undefined;
    else if (step.startsWith("k:")) {
      const key = JSON.parse(step.slice(2)) as JsonObject;
      current = Array.isArray(current)
        ? current.find((e) => isObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v)))
        : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const step of splitFieldPath(path)) {
      const next = node[step];
      if (isObject(next)) node = next;
      else {
        const fresh: JsonObject = {};
        node[step] = fresh;
        node = fresh;
      }
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: string[] = []): string[] {
  if (!isObject(fields) || Object.keys(fields).length === 0) return prefix.length ? [joinFieldPath(prefix)] : [];
  const out: string[] = [];
  for (const [step, child] of Object.entries(fields)) {
    if (step === ".") continue;
    out.push(...fromFieldsV1(child, [...prefix, step]));
  }
  return out;
}

export function entriesOf(object: JsonObject): ManagedFieldsEntry[] {
  const raw = metaOf(object).managedFields;
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((e) => ({
    manager: stringField(e, "manager") ?? "",
    operation: e.operation === "Apply" ? "Apply" : "Update",
    apiVersion: stringField(e, "apiVersion") ?? "",
    time: stringField(e, "time") ?? "",
    fieldsType: "FieldsV1",
    fieldsV1: isObject(e.fieldsV1) ? e.fieldsV1 : {},
    ...(typeof e.subresource === "string" ? { subresource: e.subresource } : {}),
  }));
}

/**
 * Gives `paths` to (manager, operation) and takes them away from every other entry, as the real
 * field manager does for both Update and (forced) Apply; entries left empty are dropped.
 */
export function assignOwnership(
  object: JsonObject,
  owner: Omit<ManagedFieldsEntry, "fieldsV1" | "fieldsType">,
  paths: string[],
  replace: boolean,
  takenFromOthers: string[] = paths,
): void {
  const claimed = new Set(paths);
  const taken = new Set(takenFromOthers);
  const result: ManagedFieldsEntry[] = [];
  let mine: Set<string> | undefined;
  for (const entry of entriesOf(object)) {
    const owned = fromFieldsV1(entry.fieldsV1);
    if (
      entry.manager === owner.manager &&
      entry.operation === owner.operation &&
      entry.subresource === owner.subresource
    ) {
      mine = new Set(replace ? [] : owned);
      continue;
    }
    const kept = owned.filter((p) => !taken.has(p));
    if (kept.length > 0) result.push({ ...entry, fieldsV1: toFieldsV1(kept) });
  }
  const all = new Set([...(mine ?? []), ...claimed]);
  if (all.size > 0) result.push({ ...owner, fieldsType: "FieldsV1", fieldsV1: toFieldsV1([...all].sort()) });
  if (result.length > 0) metaOf(object).managedFields = result;
  else delete metaOf(object).managedFields;
}

/** Records a non-apply write (create, update, patch) of `manager` into `after`'s managedFields. */
export function recordUpdate(
  def: ResourceDef,
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
  apiVersion: string,
  time: string,
  subresource?: string,
): void {
  const changed = changedPaths(def, before, after);
  if (changed.length === 0) return;
  assignOwnership(
    after,
    { manager, operation: "Update", apiVersion, time, ...(subresource ? { subresource } : {}) },
    changed,
    false,
  );
}
