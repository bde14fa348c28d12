/**
 * Per-kind rules of the real registry strategies, as pure functions: what create resets, what an
 * update of the main resource or of `/status` may change, and when `generation` moves.
 */
import { clone, deleteKey, deepEqual, isObject, metaOf, stringField, type JsonObject } from "./json.ts";
import type { ResourceDef } from "./resources.ts";

const GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** `generateName` plus five random characters, as the real name generator does. */
export function generatedName(prefix: string, random: () => number = Math.random): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(random() * GENERATE_ALPHABET.length)] ?? "x";
  return `${prefix.slice(0, 58)}${suffix}`;
}

/** RFC 3339 in whole seconds, the format of metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** Kinds whose create keeps the status it was given (the kubelet registers nodes with status). */
const STATUS_KEPT_ON_CREATE = new Set(["Node", "Event"]);

/** Resets what a client may not set on create; returns the object to store. */
export function prepareForCreate(def: ResourceDef, object: JsonObject): JsonObject {
  if (def.statusSubresource && !STATUS_KEPT_ON_CREATE.has(def.kind)) delete object.status;
  if (def.kind === "Pod") object.status = { phase: "Pending" };
  if (def.kind === "Namespace") object.status = { phase: "Active" };
  if (def.kind === "CustomResourceDefinition") object.status = {};
  const meta = metaOf(object);
  if (def.tracksGeneration) meta.generation = 1;
  else delete meta.generation;
  return object;
}

/** Everything outside metadata and status: what a change of bumps `generation`. */
function specPart(object: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === "metadata" || k === "status" || k === "apiVersion" || k === "kind") continue;
    out[k] = v;
  }
  return out;
}

const IMMUTABLE_META = [
  "uid",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "namespace",
  "name",
];

/**
 * Builds the object an update stores from the client's object and the current one:
 * - the main resource never changes status when a status subresource exists;
 * - `/status` changes status only (everything else from the current object, like the CR strategy);
 * - generation moves when the spec part changes (main resource only).
 */
export function prepareForUpdate(
  def: ResourceDef,
  incoming: JsonObject,
  current: JsonObject,
  subresource: "status" | undefined,
): JsonObject {
  if (subresource === "status") {
    const result = clone(current);
    if ("status" in incoming) result.status = incoming.status;
    else delete result.status;
    const managed = metaOf(incoming).managedFields;
    if (managed !== undefined) metaOf(result).managedFields = managed;
    return result;
  }
  const result = clone(incoming);
  if (def.statusSubresource) {
    if ("status" in current) result.status = clone(current.status);
    else delete result.status;
  }
  const meta = metaOf(result);
  const currentMeta = metaOf(current);
  for (const key of IMMUTABLE_META) {
    if (key in currentMeta) meta[key] = clone(currentMeta[key]);
    else deleteKey(meta, key);
  }
  if (def.tracksGeneration) {
    const generation = typeof currentMeta.generation === "number" ? currentMeta.generation : 1;
    meta.generation = deepEqual(specPart(result), specPart(current)) ? generation : generation + 1;
  } else delete meta.generation;
  return result;
}

/** Whether the pod is in a terminal phase (deleted at once, never gracefully). */
export function podIsTerminal(pod: JsonObject): boolean {
  const status = pod.status;
  const phase = isObject(status) ? stringField(status, "phase") : undefined;
  return phase === "Succeeded" || phase === "Failed";
}

/**
 * Grace period of a pod deletion as the pod strategy decides it: 0 (gone at once) for unbound
 * or terminal pods, else the request's value or the pod's terminationGracePeriodSeconds (30).
 */
export function podDeletionGrace(pod: JsonObject, requested: number | undefined): number {
  const spec = isObject(pod.spec) ? pod.spec : {};
  if (!stringField(spec, "nodeName") || podIsTerminal(pod)) return 0;
  if (requested !== undefined) return Math.max(0, requested);
  const fromSpec = spec.terminationGracePeriodSeconds;
  return typeof fromSpec === "number" ? fromSpec : 30;
}
