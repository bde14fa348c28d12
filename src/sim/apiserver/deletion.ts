/**
 * Deletion as the real control plane does it: graceful pod deletion, finalizers and
 * deletionTimestamp, propagationPolicy, ownerReference garbage collection (what
 * kube-controller-manager's garbage collector would do), namespace and CRD cleanup.
 */
import { conflict, notFound } from "./errors.ts";
import { clone, isObject, metaOf, stringField, stringList, type JsonObject } from "./json.ts";
import { resourceKey, type ResourceDef } from "./resources.ts";
import type { ApiService } from "./service.ts";
import type { ObjectAddress } from "./store.ts";
import { podDeletionGrace, timestamp } from "./strategy.ts";

export interface DeleteRequest {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
}

const FOREGROUND = "foregroundDeletion";
const GC_MANAGER = "generic-garbage-collector";

export class Deleter {
  private readonly service: ApiService;

  constructor(service: ApiService) {
    this.service = service;
    service.onCommitted = (def, object) => {
      this.settle(def, object);
    };
  }

  /** DELETE of one object; returns it as it is now (terminating, or as it was when removed). */
  delete(def: ResourceDef, namespace: string | undefined, name: string, request: DeleteRequest): JsonObject {
    const current = this.service.get(def, namespace, name);
    const meta = metaOf(current);
    const pre = request.preconditions;
    if (pre?.uid && pre.uid !== meta.uid) {
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${stringField(meta, "uid") ?? ""}`,
      );
    }
    if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ` +
          `ResourceVersion in object meta: ${stringField(meta, "resourceVersion") ?? ""}`,
      );
    }
    const grace = def.kind === "Pod" ? podDeletionGrace(current, request.gracePeriodSeconds) : 0;
    const policy = request.propagationPolicy ?? "Background";
    const uid = stringField(meta, "uid") ?? "";
    if (policy === "Orphan") this.orphanDependents(uid);
    const finalizers = stringList(meta.finalizers);
    if (
      policy === "Foreground" &&
      this.service.store.dependentsOf(uid).length > 0 &&
      !finalizers.includes(FOREGROUND)
    ) {
      finalizers.push(FOREGROUND);
      meta.finalizers = finalizers;
    }
    if (meta.deletionTimestamp) return this.shortenGrace(def, current, grace);
    if (finalizers.length === 0 && grace === 0) return this.remove(def, current);
    meta.deletionTimestamp = timestamp(this.service.clock.now() + grace * 1000);
    meta.deletionGracePeriodSeconds = grace;
    if (def.tracksGeneration && typeof meta.generation === "number") meta.generation += 1;
    if (def.kind === "Namespace")
      current.status = { ...(isObject(current.status) ? current.status : {}), phase: "Terminating" };
    const stored = this.service.store.write(resourceKey(def), current);
    if (finalizers.includes(FOREGROUND)) this.deleteDependents(uid, "Foreground");
    if (def.kind === "Namespace") this.emptyNamespace(name);
    return stored;
  }

  /** After any write: an object being deleted whose finalizers are all gone is removed. */
  settle(def: ResourceDef, object: JsonObject): void {
    const meta = metaOf(object);
    if (!meta.deletionTimestamp || stringList(meta.finalizers).length > 0) return;
    if (def.kind === "Pod" && meta.deletionGracePeriodSeconds !== 0) return;
    if (def.kind === "Namespace" && this.namespaceHasContent(stringField(meta, "name") ?? "")) return;
    this.remove(def, object);
  }

  /** A second delete of a terminating pod may shorten its grace period (0 = remove now). */
  private shortenGrace(def: ResourceDef, current: JsonObject, grace: number): JsonObject {
    const meta = metaOf(current);
    const remaining = typeof meta.deletionGracePeriodSeconds === "number" ? meta.deletionGracePeriodSeconds : 0;
    if (def.kind !== "Pod" || grace >= remaining) return current;
    meta.deletionGracePeriodSeconds = grace;
    meta.deletionTimestamp = timestamp(this.service.clock.now() + grace * 1000);
    const stored = this.service.store.write(resourceKey(def), current);
    this.settle(def, stored);
    return stored;
  }

  private remove(def: ResourceDef, object: JsonObject): JsonObject {
    const meta = metaOf(object);
    const name = stringField(meta, "name") ?? "";
    const namespace = stringField(meta, "namespace");
    const removed = this.service.store.remove(resourceKey(def), namespace, name);
    if (!removed) throw notFound(def, name);
    const uid = stringField(meta, "uid") ?? "";
    if (def.kind === "CustomResourceDefinition" && def.builtin) this.dropCustomResources(name);
    this.collectGarbage(uid);
    this.releaseForegroundOwners(removed);
    if (namespace) this.finishNamespace(namespace);
    return removed;
  }

  /** Background GC: dependents left without any living owner are deleted; dangling refs dropped. */
  private collectGarbage(goneUid: string): void {
    for (const address of this.service.store.dependentsOf(goneUid)) {
      const found = this.lookup(address);
      if (!found) continue;
      const [def, dependent] = found;
      const refs = ownerRefs(dependent);
      const living = refs.filter((r) => this.service.store.addressOfUid(stringField(r, "uid") ?? "") !== undefined);
      if (living.length === 0) {
        this.deleteQuietly(def, dependent, "Background");
      } else if (living.length < refs.length) {
        metaOf(dependent).ownerReferences = living;
        this.service.commitUpdate(
          def,
          def.versions[0] ?? "v1",
          this.service.get(def, address.namespace, address.name),
          dependent,
          { manager: GC_MANAGER },
        );
      }
    }
  }

  private deleteDependents(ownerUid: string, policy: string): void {
    for (const address of this.service.store.dependentsOf(ownerUid)) {
      const found = this.lookup(address);
      if (found) this.deleteQuietly(found[0], found[1], policy);
    }
  }

  private deleteQuietly(def: ResourceDef, object: JsonObject, policy: string): void {
    const meta = metaOf(object);
    if (meta.deletionTimestamp) return;
    try {
      this.delete(def, stringField(meta, "namespace"), stringField(meta, "name") ?? "", { propagationPolicy: policy });
    } catch {
      // already gone: nothing left to collect
    }
  }

  /** Owners waiting in foreground deletion lose their finalizer once no dependent remains. */
  private releaseForegroundOwners(removed: JsonObject): void {
    for (const ref of ownerRefs(removed)) {
      const uid = stringField(ref, "uid") ?? "";
      const address = this.service.store.addressOfUid(uid);
      if (!address || this.service.store.dependentsOf(uid).length > 0) continue;
      const found = this.lookup(address);
      if (!found) continue;
      const [def, owner] = found;
      const finalizers = stringList(metaOf(owner).finalizers);
      if (!metaOf(owner).deletionTimestamp || !finalizers.includes(FOREGROUND)) continue;
      const before = clone(owner);
      metaOf(owner).finalizers = finalizers.filter((f) => f !== FOREGROUND);
      this.service.commitUpdate(def, def.versions[0] ?? "v1", before, owner, { manager: GC_MANAGER });
    }
  }

  private orphanDependents(ownerUid: string): void {
    for (const address of this.service.store.dependentsOf(ownerUid)) {
      const found = this.lookup(address);
      if (!found) continue;
      const [def, dependent] = found;
      const before = clone(dependent);
      const rest = ownerRefs(dependent).filter((r) => r.uid !== ownerUid);
      if (rest.length > 0) metaOf(dependent).ownerReferences = rest;
      else delete metaOf(dependent).ownerReferences;
      this.service.commitUpdate(def, def.versions[0] ?? "v1", before, dependent, { manager: GC_MANAGER });
    }
  }

  private dropCustomResources(crdName: string): void {
    const def = this.service.catalog.customFor(crdName);
    if (!def) return;
    this.service.catalog.setCustom(crdName, undefined);
    for (const object of this.service.store.list(resourceKey(def))) {
      const meta = metaOf(object);
      this.service.store.remove(resourceKey(def), stringField(meta, "namespace"), stringField(meta, "name") ?? "");
    }
  }

  private emptyNamespace(namespace: string): void {
    for (const def of this.service.catalog.all().filter((d) => d.namespaced)) {
      for (const object of this.service.store.list(resourceKey(def), namespace))
        this.deleteQuietly(def, object, "Background");
    }
    this.finishNamespace(namespace);
  }

  private namespaceHasContent(namespace: string): boolean {
    return this.service.catalog
      .all()
      .some((d) => d.namespaced && this.service.store.list(resourceKey(d), namespace).length > 0);
  }

  private finishNamespace(namespace: string): void {
    const ns = this.service.store.get("/namespaces", undefined, namespace);
    if (!ns || !metaOf(ns).deletionTimestamp || this.namespaceHasContent(namespace)) return;
    if (stringList(metaOf(ns).finalizers).length > 0) return;
    const nsDef = this.service.catalog.find("", "v1", "namespaces");
    if (nsDef) this.remove(nsDef, ns);
  }

  private lookup(address: ObjectAddress): [ResourceDef, JsonObject] | undefined {
    const def = this.service.catalog.byKey(address.resource);
    const object = this.service.store.get(address.resource, address.namespace, address.name);
    return def && object ? [def, object] : undefined;
  }
}

function ownerRefs(object: JsonObject): JsonObject[] {
  const refs = metaOf(object).ownerReferences;
  return Array.isArray(refs) ? refs.filter(isObject) : [];
}
