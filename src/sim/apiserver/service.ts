/**
 * The REST semantics of the simulated API server, independent of HTTP: create, read, update,
 * patch and list with the real server's rules (names, namespaces, resourceVersion conflicts,
 * generation, status subresource, managedFields). Deletion lives in deletion.ts, the checks of a
 * body in write-checks.ts, LIST paging in list-paging.ts.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../runtime/clock.ts";
import { Catalog } from "./catalog.ts";
import { admitCustomResource, crdProblems, establishedStatus, resourceOfCrd } from "./crd-serving.ts";
import { alreadyExists, badRequest, conflict, forbidden, invalid, notFound, STALE_OBJECT } from "./errors.ts";
import { deleteKey, metaOf, stringField, stringMap, type JsonObject } from "./json.ts";
import { pageOf, type ListQuery, type ListResult } from "./list-paging.ts";
import { assignOwnership, recordUpdate } from "./managed-fields.ts";
import { apiVersionOf, resourceKey, type ResourceDef } from "./resources.ts";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import { ObjectStore } from "./store.ts";
import { generatedName, prepareForCreate, prepareForUpdate, timestamp } from "./strategy.ts";
import { checkBody, checkName, placeInNamespace, refuseNewFinalizersWhileDeleting } from "./write-checks.ts";

export interface WriteOptions {
  /** Field manager recorded in managedFields (query `fieldManager`, else from the User-Agent). */
  manager: string;
  /** `fieldValidation` query parameter: Strict turns pruned unknown fields into a 400. */
  fieldValidation?: string | undefined;
  /** Server-side apply: the manager's applied field set, recorded as an Apply entry. */
  applyPaths?: string[];
  /** Server-side apply: fields whose value changed, taken away from other managers. */
  takenPaths?: string[];
}

export class ApiService {
  readonly store: ObjectStore;
  readonly catalog: Catalog;
  readonly clock: Clock;
  /** Called after every update is stored (deletion.ts removes objects whose finalizers are done). */
  onCommitted: ((def: ResourceDef, stored: JsonObject) => void) | undefined;

  constructor(store: ObjectStore, catalog: Catalog, clock: Clock) {
    this.store = store;
    this.catalog = catalog;
    this.clock = clock;
  }

  now(): string {
    return timestamp(this.clock.now());
  }

  /** The object as the client sees it through `version`. */
  present(def: ResourceDef, version: string, object: JsonObject): JsonObject {
    return { apiVersion: apiVersionOf(def.group, version), kind: def.kind, ...object };
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): JsonObject {
    const found = this.store.get(resourceKey(def), def.namespaced ? namespace : undefined, name);
    if (!found) throw notFound(def, name);
    return found;
  }

  list(def: ResourceDef, namespace: string | undefined, query: ListQuery): ListResult {
    const labels = parseLabelSelector(query.labelSelector);
    const fields = parseFieldSelector(query.fieldSelector, def.fieldLabels);
    const resourceVersion = String(this.store.currentRevision());
    // Selected and paged on the stored objects; only the page returned is copied. Objects bound to
    // one node come from the store's index, as kube-apiserver's watch cache serves pods by node.
    const scope = def.namespaced ? namespace : undefined;
    const node = fields.find((r) => r.field === "spec.nodeName" && r.operator === "=")?.value;
    const stored =
      node === undefined || node === ""
        ? this.store.view(resourceKey(def), scope)
        : this.store.viewOnNode(resourceKey(def), scope, node);
    const items = stored.filter(
      (o) => matchesFields(fields, o) && (labels.length === 0 || matchesLabels(labels, stringMap(metaOf(o).labels))),
    );
    return pageOf(items, query, resourceVersion);
  }

  create(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
  ): JsonObject {
    const object = checkBody(def, version, body);
    const meta = metaOf(object);
    placeInNamespace(def, meta, namespace);
    const generateName = stringField(meta, "generateName");
    if (!stringField(meta, "name") && generateName) meta.name = generatedName(generateName);
    const name = stringField(meta, "name") ?? "";
    if (!name) {
      throw invalid(def.group, def.kind, "", [
        {
          reason: "FieldValueRequired",
          field: "metadata.name",
          message: "Required value: name or generateName is required",
        },
      ]);
    }
    checkName(def, name);
    if (def.namespaced) this.checkNamespaceWritable(def, stringField(meta, "namespace") ?? "", name);
    if (this.store.get(resourceKey(def), stringField(meta, "namespace"), name)) throw alreadyExists(def, name);
    for (const key of ["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"]) deleteKey(meta, key);
    meta.uid = randomUUID();
    meta.creationTimestamp = this.now();
    let prepared = prepareForCreate(def, object);
    prepared = this.admit(def, version, prepared, undefined, options);
    if (def.kind === "CustomResourceDefinition") prepared.status = establishedStatus(prepared, this.now());
    this.recordManagers(def, version, undefined, prepared, options, undefined);
    const stored = this.store.write(resourceKey(def), prepared);
    if (def.kind === "CustomResourceDefinition") this.catalog.setCustom(name, resourceOfCrd(stored));
    return stored;
  }

  /** PUT of the main resource or of `/status`, with optimistic concurrency. */
  update(
    def: ResourceDef,
    version: string,
    namespace: string | undefined,
    name: string,
    body: unknown,
    subresource: "status" | undefined,
    options: WriteOptions,
  ): JsonObject {
    const incoming = checkBody(def, version, body);
    const meta = metaOf(incoming);
    const bodyName = stringField(meta, "name");
    if (bodyName !== undefined && bodyName !== name) {
      throw badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    }
    meta.name = name;
    placeInNamespace(def, meta, namespace);
    const current = this.get(def, namespace, name);
    const wanted = stringField(meta, "resourceVersion");
    if (wanted === undefined || wanted === "") {
      if (!def.builtin) {
        throw invalid(def.group, def.kind, name, [
          {
            reason: "FieldValueInvalid",
            field: "metadata.resourceVersion",
            message: "Invalid value: 0x0: must be specified for an update",
          },
        ]);
      }
    } else if (wanted !== stringField(metaOf(current), "resourceVersion")) {
      throw conflict(def, name, STALE_OBJECT);
    }
    let next = prepareForUpdate(def, incoming, current, subresource);
    refuseNewFinalizersWhileDeleting(def, current, next);
    next = this.admit(def, version, next, current, options);
    return this.commitUpdate(def, version, current, next, options, subresource);
  }

  /** Stores an already prepared successor of `current` (used by update, patch and finalizer removal). */
  commitUpdate(
    def: ResourceDef,
    version: string,
    current: JsonObject,
    next: JsonObject,
    options: WriteOptions,
    subresource?: string,
  ): JsonObject {
    this.recordManagers(def, version, current, next, options, subresource);
    const name = stringField(metaOf(next), "name") ?? "";
    if (def.kind === "CustomResourceDefinition") {
      const problems = crdProblems(next);
      if (problems.length > 0) throw invalid(def.group, def.kind, name, problems);
    }
    const stored = this.store.write(resourceKey(def), next);
    if (def.kind === "CustomResourceDefinition" && !metaOf(stored).deletionTimestamp) {
      this.catalog.setCustom(name, resourceOfCrd(stored));
    }
    this.onCommitted?.(def, stored);
    return stored;
  }

  private recordManagers(
    def: ResourceDef,
    version: string,
    before: JsonObject | undefined,
    after: JsonObject,
    options: WriteOptions,
    subresource: string | undefined,
  ): void {
    const apiVersion = apiVersionOf(def.group, version);
    if (!options.applyPaths) {
      recordUpdate(def, before, after, options.manager, apiVersion, this.now(), subresource);
      return;
    }
    const owner = {
      manager: options.manager,
      operation: "Apply" as const,
      apiVersion,
      time: this.now(),
      ...(subresource ? { subresource } : {}),
    };
    assignOwnership(after, owner, options.applyPaths, true, options.takenPaths ?? options.applyPaths);
  }

  private checkNamespaceWritable(def: ResourceDef, namespace: string, name: string): void {
    const ns = this.store.get("/namespaces", undefined, namespace);
    if (!ns) throw notFound({ group: "", plural: "namespaces" }, namespace);
    if (metaOf(ns).deletionTimestamp) {
      throw forbidden(
        def,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }

  /** Kind-specific admission: CRD checks, and schema pruning/defaulting/validation for CRs. */
  private admit(
    def: ResourceDef,
    version: string,
    object: JsonObject,
    old: JsonObject | undefined,
    options: WriteOptions,
  ): JsonObject {
    const name = stringField(metaOf(object), "name") ?? "";
    if (def.kind === "CustomResourceDefinition" && def.builtin) {
      const problems = crdProblems(object);
      if (problems.length > 0) throw invalid(def.group, def.kind, name, problems);
      return object;
    }
    if (def.builtin) return object;
    const checked = admitCustomResource(
      def,
      version,
      this.present(def, version, object),
      old && this.present(def, version, old),
    );
    if (options.fieldValidation === "Strict" && checked.pruned.length > 0) {
      throw badRequest(`strict decoding error: ${checked.pruned.map((p) => `unknown field "${p}"`).join(", ")}`);
    }
    delete checked.object.apiVersion;
    delete checked.object.kind;
    return checked.object;
  }
}
