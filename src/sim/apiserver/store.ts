/**
 * In-memory storage of the simulated API server: objects by resource (group/plural), namespace
 * and name; one global monotonic resourceVersion like etcd's revision; a bounded history of
 * change events per resource so watches can resume, and 410 Gone once they fall behind it.
 */
import { clone, isObject, metaOf, stringField, type JsonObject } from "./json.ts";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface ChangeEvent {
  type: ChangeType;
  /** The object after the change (for DELETED: as it was, with the deletion's resourceVersion). */
  object: JsonObject;
  resourceVersion: number;
}

export type ChangeListener = (event: ChangeEvent) => void;

interface History {
  events: ChangeEvent[];
  /** Events at or below this revision are gone; a watch from an older revision gets 410. */
  compactedThrough: number;
}

export const DEFAULT_HISTORY_LIMIT = 1000;

export interface ObjectAddress {
  resource: string;
  namespace: string | undefined;
  name: string;
}

function addressId(a: ObjectAddress): string {
  return `${a.resource}|${a.namespace ?? ""}|${a.name}`;
}

function ownerUids(object: JsonObject): string[] {
  const refs = metaOf(object).ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs
    .filter(isObject)
    .map((r) => stringField(r, "uid") ?? "")
    .filter((u) => u !== "");
}

function nodeNameOf(object: JsonObject): string | undefined {
  const spec = object.spec;
  return isObject(spec) ? stringField(spec, "nodeName") : undefined;
}

/** The objects under `keys` (in their order), those of `namespace` only when given. */
function objectsAt(
  table: ReadonlyMap<string, JsonObject>,
  keys: readonly string[],
  namespace: string | undefined,
): JsonObject[] {
  const out: JsonObject[] = [];
  for (const key of keys) {
    const object = table.get(key);
    if (!object) continue;
    if (namespace !== undefined && stringField(metaOf(object), "namespace") !== namespace) continue;
    out.push(object);
  }
  return out;
}

function objectKeyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectStore {
  private revision = 1;
  private readonly historyLimit: number;
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  /** Each table's keys in order, kept until one is added or removed (a list sorted them all each time). */
  private readonly sortedKeys = new Map<string, readonly string[]>();
  private readonly histories = new Map<string, History>();
  private readonly listeners = new Map<string, Set<ChangeListener>>();
  /** uid -> where the object lives, for owner lookups of garbage collection. */
  private readonly byUid = new Map<string, ObjectAddress>();
  /** owner uid -> addresses of objects naming it in ownerReferences. */
  private readonly dependents = new Map<string, Map<string, ObjectAddress>>();
  /**
   * `resource|spec.nodeName` -> keys of the objects bound to that node: kube-apiserver's watch
   * cache indexes pods by node the same way, so a kubelet's or a drain's list does not scan them all.
   */
  private readonly onNode = new Map<string, Set<string>>();

  constructor(historyLimit = DEFAULT_HISTORY_LIMIT) {
    this.historyLimit = historyLimit;
  }

  /** The latest revision of the whole store, as list and bookmark resourceVersions report it. */
  currentRevision(): number {
    return this.revision;
  }

  get(resource: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const found = this.objects.get(resource)?.get(objectKeyOf(namespace, name));
    return found ? clone(found) : undefined;
  }

  /** Objects of a resource (in one namespace when given), sorted by namespace then name. */
  list(resource: string, namespace?: string): JsonObject[] {
    return this.view(resource, namespace).map((object) => clone(object));
  }

  /**
   * The stored objects themselves, sorted as `list`, without copying: for readers that only read
   * or serialize (a list page, a watch's initial state). Stored objects are never changed in place.
   */
  view(resource: string, namespace?: string): readonly JsonObject[] {
    const table = this.objects.get(resource);
    if (!table) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) {
      keys = [...table.keys()].sort();
      this.sortedKeys.set(resource, keys);
    }
    return objectsAt(table, keys, namespace);
  }

  /** As `view`, of the objects whose `spec.nodeName` is `nodeName`. */
  viewOnNode(resource: string, namespace: string | undefined, nodeName: string): readonly JsonObject[] {
    const table = this.objects.get(resource);
    if (!table) return [];
    return objectsAt(table, [...(this.onNode.get(`${resource}|${nodeName}`) ?? [])].sort(), namespace);
  }

  /**
   * Stores the object under a new revision (set into metadata.resourceVersion) and returns a copy.
   * The store keeps `object` itself: every caller hands over a copy of its own (the service's
   * prepared body, a fetched object) and does not touch it afterwards.
   */
  write(resource: string, object: JsonObject): JsonObject {
    const meta = metaOf(object);
    const name = stringField(meta, "name") ?? "";
    const key = objectKeyOf(stringField(meta, "namespace"), name);
    let table = this.objects.get(resource);
    if (!table) {
      table = new Map();
      this.objects.set(resource, table);
    }
    const previous = table.get(key);
    const existed = previous !== undefined;
    const address: ObjectAddress = { resource, namespace: stringField(meta, "namespace"), name };
    if (previous) this.unindex(previous, address);
    this.index(object, address);
    this.revision += 1;
    const stored = object;
    metaOf(stored).resourceVersion = String(this.revision);
    table.set(key, stored);
    if (!existed) this.sortedKeys.delete(resource);
    this.record(resource, { type: existed ? "MODIFIED" : "ADDED", object: stored, resourceVersion: this.revision });
    return clone(stored);
  }

  /** Removes the object; the DELETED event carries it with the deletion's revision. */
  remove(resource: string, namespace: string | undefined, name: string): JsonObject | undefined {
    const table = this.objects.get(resource);
    const key = objectKeyOf(namespace, name);
    const existing = table?.get(key);
    if (!table || !existing) return undefined;
    table.delete(key);
    this.sortedKeys.delete(resource);
    this.unindex(existing, { resource, namespace, name });
    this.revision += 1;
    const gone = clone(existing);
    metaOf(gone).resourceVersion = String(this.revision);
    this.record(resource, { type: "DELETED", object: gone, resourceVersion: this.revision });
    return clone(gone);
  }

  /** Events of a resource after `revision`, or undefined when history no longer reaches back. */
  eventsAfter(resource: string, revision: number): ChangeEvent[] | undefined {
    const history = this.histories.get(resource);
    if (!history) return [];
    if (revision < history.compactedThrough) return undefined;
    return history.events.filter((e) => e.resourceVersion > revision).map((e) => ({ ...e, object: clone(e.object) }));
  }

  /** Forgets all history up to now (what an etcd compaction does); watches from before get 410. */
  compact(): void {
    for (const history of this.histories.values()) {
      history.events = [];
      history.compactedThrough = this.revision;
    }
  }

  /** Calls `listener` for every later change of the resource; returns the unsubscribe. */
  subscribe(resource: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(resource);
    if (!set) {
      set = new Set();
      this.listeners.set(resource, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Every resource key that holds objects, for garbage collection across kinds. */
  resources(): string[] {
    return [...this.objects.keys()];
  }

  /** Where the object with this uid lives, if it exists. */
  addressOfUid(uid: string): ObjectAddress | undefined {
    return this.byUid.get(uid);
  }

  /** Objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): ObjectAddress[] {
    return [...(this.dependents.get(uid)?.values() ?? [])];
  }

  private index(object: JsonObject, address: ObjectAddress): void {
    const uid = stringField(metaOf(object), "uid");
    if (uid) this.byUid.set(uid, address);
    const node = nodeNameOf(object);
    if (node) {
      const key = `${address.resource}|${node}`;
      let keys = this.onNode.get(key);
      if (!keys) {
        keys = new Set();
        this.onNode.set(key, keys);
      }
      keys.add(objectKeyOf(address.namespace, address.name));
    }
    for (const owner of ownerUids(object)) {
      let set = this.dependents.get(owner);
      if (!set) {
        set = new Map();
        this.dependents.set(owner, set);
      }
      set.set(addressId(address), address);
    }
  }

  private unindex(object: JsonObject, address: ObjectAddress): void {
    const uid = stringField(metaOf(object), "uid");
    if (uid) this.byUid.delete(uid);
    const node = nodeNameOf(object);
    if (node) {
      const key = `${address.resource}|${node}`;
      const keys = this.onNode.get(key);
      keys?.delete(objectKeyOf(address.namespace, address.name));
      if (keys?.size === 0) this.onNode.delete(key);
    }
    for (const owner of ownerUids(object)) {
      const set = this.dependents.get(owner);
      set?.delete(addressId(address));
      if (set?.size === 0) this.dependents.delete(owner);
    }
  }

  private record(resource: string, event: ChangeEvent): void {
    let history = this.histories.get(resource);
    if (!history) {
      history = { events: [], compactedThrough: 0 };
      this.histories.set(resource, history);
    }
    history.events.push(event);
    while (history.events.length > this.historyLimit) {
      const dropped = history.events.shift();
      if (dropped) history.compactedThrough = dropped.resourceVersion;
    }
    // One object for every listener, not a copy each: stored objects are never changed in place
    // (write keeps an object its caller handed over, remove a copy), and listeners (watch streams)
    // only read and serialize.
    const shared = Object.freeze({ ...event });
    for (const listener of [...(this.listeners.get(resource) ?? [])]) listener(shared);
  }
}
