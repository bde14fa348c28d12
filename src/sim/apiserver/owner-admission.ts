/**
 * The authorization checks the OwnerReferencesPermissionEnforcement admission plugin makes on a
 * write (kube-apiserver's plugin/pkg/admission/gc). The simulated server does not authorize, but
 * it records these checks per client, so the RBAC check of the test suite sees what a real server
 * running the plugin (OpenShift, hardened clusters) would ask of the operator's role:
 * - every owner reference that newly sets `blockOwnerDeletion: true` needs `update` on the
 *   owner's `finalizers` subresource, by owner name, in the written object's namespace;
 * - changing the owner references of an existing object needs `delete` on that object.
 */
import type { Catalog } from "./catalog.ts";
import { isObject, metaOf, stringField, type JsonObject } from "./json.ts";
import type { ResourceDef } from "./resources.ts";

export interface AuthorizationCheck {
  verb: string;
  group: string;
  /** `plural` or `plural/subresource`, as request accounting names resources. */
  resource: string;
  namespace: string;
  name: string;
}

interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blocking: boolean;
}

function ownerRefsOf(object: JsonObject | undefined): OwnerRef[] {
  const refs = object === undefined ? undefined : metaOf(object).ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(isObject).map((ref) => ({
    apiVersion: stringField(ref, "apiVersion") ?? "",
    kind: stringField(ref, "kind") ?? "",
    name: stringField(ref, "name") ?? "",
    uid: stringField(ref, "uid") ?? "",
    blocking: ref.blockOwnerDeletion === true,
  }));
}

function sameRefs(a: OwnerRef[], b: OwnerRef[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** The checks for writing `next` (with `previous` the stored object, undefined on create). */
export function ownerReferenceChecks(
  catalog: Pick<Catalog, "byKind">,
  def: ResourceDef,
  previous: JsonObject | undefined,
  next: JsonObject,
): AuthorizationCheck[] {
  const before = ownerRefsOf(previous);
  const after = ownerRefsOf(next);
  if (sameRefs(before, after)) return [];
  const namespace = stringField(metaOf(next), "namespace") ?? "";
  const checks: AuthorizationCheck[] = [];
  if (previous !== undefined) {
    checks.push({
      verb: "delete",
      group: def.group,
      resource: def.plural,
      namespace,
      name: stringField(metaOf(next), "name") ?? "",
    });
  }
  const blockedBefore = new Set(before.filter((ref) => ref.blocking).map((ref) => ref.uid));
  for (const ref of after.filter((r) => r.blocking && !blockedBefore.has(r.uid))) {
    const owner = catalog.byKind(groupOf(ref.apiVersion), ref.kind);
    // The real plugin rejects a reference it cannot map; the sim leaves that to its own validation.
    if (owner === undefined) continue;
    checks.push({
      verb: "update",
      group: owner.group,
      resource: `${owner.plural}/finalizers`,
      namespace,
      name: ref.name,
    });
  }
  return checks;
}
