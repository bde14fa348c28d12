/**
 * The objects of the in-memory port (memory-port.ts): one global monotonic resourceVersion, uid,
 * generation bumped on spec changes, AlreadyExists / Conflict / NotFound, finalizers, and every
 * change recorded for the watches.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../src/runtime/clock.ts";
import { KubeError } from "../../src/runtime/kube/errors.ts";
import { objectKey, type KubeObject, type ObjectMeta, type ResourceType } from "../../src/runtime/kube/types.ts";
import { deepEqual } from "../../src/sim/apiserver/json.ts";
import { mergePatch } from "../../src/sim/apiserver/patch.ts";
import { typeKeyOf, type Change, type WatchHub } from "./memory-watch.ts";

export function conflict(type: ResourceType, name: string): KubeError {
  const message =
    `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; ` +
    "please apply your changes to the latest version and try again";
  return new KubeError("Conflict", message, { code: 409, reason: "Conflict" });
}

type WithStatus = KubeObject & { status?: unknown };

function withoutMetaAndStatus(object: WithStatus): Record<string, unknown> {
  const { metadata: _metadata, status: _status, ...rest } = object;
  return rest;
}

/** `next` with the metadata a client cannot change by writing the object put back. */
function withServerOwned(next: ObjectMeta, current: ObjectMeta): ObjectMeta {
  const {
    namespace: _ns,
    uid: _uid,
    creationTimestamp: _created,
    deletionTimestamp: _deleting,
    resourceVersion: _rv,
    ...clientOwned
  } = next;
  const { namespace, uid, creationTimestamp, deletionTimestamp, resourceVersion } = current;
  const owned = Object.entries({ namespace, uid, creationTimestamp, deletionTimestamp, resourceVersion }).filter(
    ([, v]) => v !== undefined,
  );
  return { ...clientOwned, ...(Object.fromEntries(owned) as Partial<ObjectMeta>), name: current.name };
}

export class MemoryObjects {
  private readonly clock: Clock;
  private readonly hub: WatchHub;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private lastRv = 0;

  constructor(clock: Clock, hub: WatchHub) {
    this.clock = clock;
    this.hub = hub;
  }

  /** The latest resourceVersion written. */
  get revision(): number {
    return this.lastRv;
  }

  bucket(type: ResourceType): Map<string, KubeObject> {
    const key = typeKeyOf(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map<string, KubeObject>();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  keyOf(type: ResourceType, name: string, namespace: string | undefined): string {
    if (!type.namespaced) return name;
    if (!namespace)
      throw new KubeError("BadRequest", `a namespace is required for ${type.plural}`, {
        code: 400,
        reason: "BadRequest",
      });
    return objectKey({ name, namespace });
  }

  existing(type: ResourceType, name: string, namespace: string | undefined): KubeObject {
    const found = this.bucket(type).get(this.keyOf(type, name, namespace));
    if (!found)
      throw new KubeError("NotFound", `${type.plural} "${name}" not found`, { code: 404, reason: "NotFound" });
    return found;
  }

  insert<T extends KubeObject>(type: ResourceType, object: T): T {
    const { name, namespace } = object.metadata;
    if (!name)
      throw new KubeError("Invalid", "metadata.name: Required value: name is required", {
        code: 422,
        reason: "Invalid",
      });
    const key = this.keyOf(type, name, namespace);
    if (this.bucket(type).has(key)) {
      throw new KubeError("AlreadyExists", `${type.plural} "${name}" already exists`, {
        code: 409,
        reason: "AlreadyExists",
      });
    }
    const stored = structuredClone(object);
    const metadata = { ...stored.metadata, uid: randomUUID(), generation: 1, creationTimestamp: this.timestamp() };
    delete metadata.deletionTimestamp;
    if (!type.namespaced) delete metadata.namespace;
    stored.metadata = { ...metadata, resourceVersion: String(++this.lastRv) };
    this.bucket(type).set(key, stored);
    this.record(type, "ADDED", stored);
    return structuredClone(stored);
  }

  patch(type: ResourceType, current: KubeObject, patch: object, statusOnly: boolean): KubeObject {
    const rv = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(type, current.metadata.name);
    return this.update(type, current, mergePatch(current, patch) as KubeObject, statusOnly);
  }

  /** Writes `wanted` over `current`, keeping what the server owns; a no-op write changes nothing. */
  update(type: ResourceType, current: KubeObject, wanted: KubeObject, statusOnly: boolean): KubeObject {
    const next = structuredClone(statusOnly ? current : wanted) as WithStatus;
    const status = (statusOnly ? (wanted as WithStatus) : (current as WithStatus)).status;
    if (status === undefined) delete next.status;
    else next.status = structuredClone(status);
    const generation = current.metadata.generation ?? 1;
    const specChanged = !deepEqual(withoutMetaAndStatus(current), withoutMetaAndStatus(next));
    next.metadata = {
      ...withServerOwned(next.metadata, current.metadata),
      generation: specChanged ? generation + 1 : generation,
    };
    if (deepEqual(next, current)) return structuredClone(current);
    next.metadata.resourceVersion = String(++this.lastRv);
    if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
      this.bucket(type).delete(objectKey(next.metadata));
      this.record(type, "DELETED", next, current);
    } else {
      this.bucket(type).set(objectKey(next.metadata), next);
      this.record(type, "MODIFIED", next, current);
    }
    return structuredClone(next);
  }

  /** Deletes at once, or marks the object deleting while finalizers remain. */
  remove(type: ResourceType, current: KubeObject): void {
    if ((current.metadata.finalizers ?? []).length > 0) {
      if (current.metadata.deletionTimestamp) return;
      const marked = structuredClone(current);
      marked.metadata.deletionTimestamp = this.timestamp();
      marked.metadata.resourceVersion = String(++this.lastRv);
      this.bucket(type).set(objectKey(marked.metadata), marked);
      this.record(type, "MODIFIED", marked, current);
      return;
    }
    const gone = structuredClone(current);
    gone.metadata.resourceVersion = String(++this.lastRv);
    this.bucket(type).delete(objectKey(gone.metadata));
    this.record(type, "DELETED", gone, current);
  }

  private record(type: ResourceType, eventType: Change["type"], object: KubeObject, previous?: KubeObject): void {
    this.hub.record({
      rv: this.lastRv,
      typeKey: typeKeyOf(type),
      type: eventType,
      object: structuredClone(object),
      ...(previous ? { previous } : {}),
    });
  }

  /** metav1.Time: RFC 3339 in whole seconds. */
  private timestamp(): string {
    return new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, "Z");
  }
}
