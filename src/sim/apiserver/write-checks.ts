/**
 * The checks a create or update body passes before anything else: its apiVersion and kind, its
 * namespace, its name, and (as ValidateNoNewFinalizers) no finalizer added while it is deleted.
 */
import { badRequest, invalid } from "./errors.ts";
import { clone, isObject, metaOf, stringField, stringList, type JsonObject } from "./json.ts";
import { apiVersionOf, type ResourceDef } from "./resources.ts";

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function checkBody(def: ResourceDef, version: string, body: unknown): JsonObject {
  if (!isObject(body)) throw badRequest("the object provided is unrecognized (must be of type object)");
  const expected = apiVersionOf(def.group, version);
  const apiVersion = stringField(body, "apiVersion");
  const kind = stringField(body, "kind");
  if (apiVersion !== undefined && apiVersion !== expected) {
    throw badRequest(
      `the API version in the data (${apiVersion}) does not match the expected API version (${expected})`,
    );
  }
  if (kind !== undefined && kind !== def.kind) {
    throw badRequest(`the kind in the data (${kind}) does not match the expected kind (${def.kind})`);
  }
  const object = clone(body);
  delete object.apiVersion;
  delete object.kind;
  metaOf(object);
  return object;
}

export function placeInNamespace(def: ResourceDef, meta: JsonObject, namespace: string | undefined): void {
  if (!def.namespaced) {
    delete meta.namespace;
    return;
  }
  const given = stringField(meta, "namespace");
  if (given && namespace && given !== namespace) {
    throw badRequest("the namespace of the provided object does not match the namespace sent on the request");
  }
  meta.namespace = namespace ?? given ?? "default";
}

export function checkName(def: ResourceDef, name: string): void {
  if (!SUBDOMAIN.test(name) || name.length > 253) {
    throw invalid(def.group, def.kind, name, [
      {
        reason: "FieldValueInvalid",
        field: "metadata.name",
        message:
          `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric ` +
          "characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', " +
          "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ]);
  }
}

/** As ValidateNoNewFinalizers: an object being deleted may lose finalizers, never gain one. */
export function refuseNewFinalizersWhileDeleting(def: ResourceDef, current: JsonObject, next: JsonObject): void {
  if (!metaOf(current).deletionTimestamp) return;
  const before = new Set(stringList(metaOf(current).finalizers));
  const added = stringList(metaOf(next).finalizers).filter((name) => !before.has(name));
  if (added.length === 0) return;
  const name = stringField(metaOf(next), "name") ?? "";
  throw invalid(def.group, def.kind, name, [
    {
      reason: "FieldValueForbidden",
      field: "metadata.finalizers",
      message:
        "Forbidden: no new finalizers can be added if the object is being deleted, " +
        `found new finalizers ${JSON.stringify(added)}`,
    },
  ]);
}
