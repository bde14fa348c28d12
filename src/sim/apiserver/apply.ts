/**
 * Server-side apply (`application/apply-patch+yaml`), simplified but with the real rules that
 * matter to controllers: create when absent; otherwise merge the applied configuration into the
 * live object, remove fields this manager applied before and no longer applies (unless someone
 * else owns them), and refuse with 409 when another manager owns a field the configuration would
 * change (unless force=true, which takes ownership).
 */
import { ApiError, badRequest, type StatusCause } from "./errors.ts";
import { clone, deepEqual, isObject, metaOf, stringField, type JsonObject, deleteKey } from "./json.ts";
import { entriesOf, fromFieldsV1, joinFieldPath, leafPaths, splitFieldPath, valueAt } from "./managed-fields.ts";
import { mergePatch, strategicMerge } from "./patch.ts";
import { apiVersionOf, resourceKey, type ResourceDef } from "./resources.ts";
import type { ApiService } from "./service.ts";

export interface ApplyRequest {
  def: ResourceDef;
  version: string;
  namespace: string | undefined;
  name: string;
  subresource: "status" | undefined;
  manager: string | undefined;
  force: boolean;
  fieldValidation?: string;
}

/** `f:spec/k:{"name":"c"}/f:image` as the real conflict message prints it: `.spec[name="c"].image`. */
export function displayPath(path: string): string {
  return splitFieldPath(path)
    .map((step) => {
      if (step.startsWith("f:")) return `.${step.slice(2)}`;
      const key = JSON.parse(step.slice(2)) as JsonObject;
      return `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}

function removeAt(object: JsonObject, path: string): void {
  const steps = splitFieldPath(path);
  let parent: unknown = object;
  for (const [i, step] of steps.entries()) {
    const last = i === steps.length - 1;
    if (step.startsWith("f:")) {
      if (!isObject(parent)) return;
      if (last) deleteKey(parent, step.slice(2));
      else parent = parent[step.slice(2)];
    } else {
      if (!Array.isArray(parent)) return;
      const key = JSON.parse(step.slice(2)) as JsonObject;
      const index = parent.findIndex((e) => isObject(e) && Object.entries(key).every(([k, v]) => deepEqual(e[k], v)));
      if (index < 0) return;
      if (last) parent.splice(index, 1);
      else parent = parent[index];
    }
  }
}

/** The shortest part of `path` no longer owned by anyone: a whole list element, or the leaf. */
function removalTarget(path: string, stillOwned: string[]): string {
  const steps = splitFieldPath(path);
  for (let i = 0; i < steps.length; i++) {
    if (!steps[i]?.startsWith("k:")) continue;
    const prefix = joinFieldPath(steps.slice(0, i + 1));
    if (!stillOwned.some((p) => p === prefix || p.startsWith(`${prefix}/`))) return prefix;
  }
  return path;
}

export function serverSideApply(
  service: ApiService,
  request: ApplyRequest,
  body: unknown,
): { object: JsonObject; created: boolean } {
  const { def, version, name } = request;
  if (!request.manager) throw badRequest("PATCH, application/apply-patch+yaml requests must supply a fieldManager");
  if (!isObject(body)) throw badRequest("error decoding YAML: the applied configuration must be an object");
  if (!stringField(body, "apiVersion") || !stringField(body, "kind")) {
    throw badRequest("invalid object type: apiVersion and kind must be set in an applied configuration");
  }
  const bodyName = stringField(metaOf(body), "name");
  if (bodyName !== undefined && bodyName !== name) {
    throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
  }
  const applied = clone(body);
  metaOf(applied).name = name;
  const paths = leafPaths(def, applied);
  const options = {
    manager: request.manager,
    fieldValidation: request.fieldValidation,
    applyPaths: paths,
    subresource: request.subresource,
  };
  const live = service.store.get(resourceKey(def), def.namespaced ? request.namespace : undefined, name);
  if (!live) {
    if (request.subresource)
      throw new ApiError(404, "NotFound", `${def.plural} "${name}" not found`, { name, kind: def.plural });
    return { object: service.create(def, version, request.namespace, applied, options), created: true };
  }
  const entries = entriesOf(live);
  const differing = paths.filter((p) => !deepEqual(valueAt(live, p), valueAt(applied, p)));
  const conflicts: StatusCause[] = [];
  for (const entry of entries) {
    if (entry.manager === request.manager && entry.operation === "Apply") continue;
    const owned = new Set(fromFieldsV1(entry.fieldsV1));
    for (const p of differing) {
      if (owned.has(p))
        conflicts.push({
          reason: "FieldManagerConflict",
          message: `conflict with "${entry.manager}" using ${entry.apiVersion}`,
          field: displayPath(p),
        });
    }
  }
  if (conflicts.length > 0 && !request.force) {
    const summary = conflicts.map((c) => `${c.message ?? ""}: ${c.field ?? ""}`).join("\n- ");
    const plural = conflicts.length === 1 ? "conflict" : "conflicts";
    throw new ApiError(409, "Conflict", `Apply failed with ${conflicts.length} ${plural}: ${summary}`, {
      causes: conflicts,
    });
  }
  const previous = entries.find((e) => e.manager === request.manager && e.operation === "Apply");
  const ownedByOthers = entries.filter((e) => e !== previous).flatMap((e) => fromFieldsV1(e.fieldsV1));
  const stillOwned = [
    ...paths,
    ...(request.force ? ownedByOthers.filter((p) => !differing.includes(p)) : ownedByOthers),
  ];
  const merged = (def.builtin ? strategicMerge(live, applied) : mergePatch(live, applied)) as JsonObject;
  for (const path of previous ? fromFieldsV1(previous.fieldsV1) : []) {
    if (!paths.includes(path) && !ownedByOthers.includes(path)) removeAt(merged, removalTarget(path, stillOwned));
  }
  metaOf(merged).resourceVersion = metaOf(live).resourceVersion;
  merged.apiVersion = apiVersionOf(def.group, version);
  merged.kind = def.kind;
  return {
    object: service.update(def, version, request.namespace, name, merged, request.subresource, {
      ...options,
      takenPaths: differing,
    }),
    created: false,
  };
}
