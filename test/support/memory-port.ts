/**
 * An in-memory KubePort for unit tests of everything above the port. It keeps the API server's
 * semantics that operators depend on: global monotonic resourceVersion, uid, generation bumped on
 * spec changes, AlreadyExists / Conflict / NotFound, finalizers, label and field selectors, and
 * ordered watches replayed from a bounded history (410 Gone when too old), with bookmarks.
 *
 * Simplifications (the simulated API server in src/sim is the faithful one):
 * - every kind behaves as if it had a status subresource: writes to the main resource keep the
 *   stored status, `patchStatus` changes only status; `create` stores status as given, so tests
 *   can seed observed state;
 * - `apply` is a merge of the given object (no field ownership: fields left out are kept);
 * - `evict` deletes the pod at once: no PodDisruptionBudgets, no grace period (use `failNext`);
 * - no garbage collection of dependents; field selectors accept metadata.name,
 *   metadata.namespace, spec.nodeName and status.phase on every kind.
 */
import { randomUUID } from "node:crypto";
import { systemClock, type Clock } from "../../src/runtime/clock.ts";
import { classifyStatus, KubeError, toKubeError } from "../../src/runtime/kube/errors.ts";
import type { KubePort } from "../../src/runtime/kube/port.ts";
import type {
  KubeObject,
  ListOptions,
  ObjectList,
  ObjectMeta,
  ResourceType,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "../../src/runtime/kube/types.ts";
import { objectKey } from "../../src/runtime/kube/types.ts";
import { typeKeyOf, WatchHub, type Change, type WatchRequest } from "./memory-watch.ts";
import { ApiError } from "../../src/sim/apiserver/errors.ts";
import { deepEqual } from "../../src/sim/apiserver/json.ts";
import { mergePatch } from "../../src/sim/apiserver/patch.ts";
import {
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from "../../src/sim/apiserver/selectors.ts";

export type PortVerb = keyof KubePort;

const FIELDS = ["spec.nodeName", "status.phase"];
const POD: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };

function kubeErrorOf(err: unknown): KubeError {
  if (err instanceof ApiError)
    return new KubeError(classifyStatus(err.code, err.reason), err.message, { code: err.code, reason: err.reason });
  return toKubeError(err);
}

function conflict(type: ResourceType, name: string): KubeError {
  const message = `Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
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

export class MemoryKubePort implements KubePort {
  private readonly clock: Clock;
  private readonly hub: WatchHub;
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly failures = new Map<PortVerb, KubeError[]>();
  private readonly counts = new Map<string, number>();
  private lastRv = 0;

  constructor(options: { clock?: Clock; historyLimit?: number } = {}) {
    this.clock = options.clock ?? systemClock;
    this.hub = new WatchHub(options.historyLimit ?? 1000);
  }

  // ---- test knobs ----

  /** The next call of `verb` rejects with `error` (queued: call it twice to fail twice). */
  failNext(verb: PortVerb, error: KubeError): void {
    this.failures.set(verb, [...(this.failures.get(verb) ?? []), error]);
  }

  /** Ends every open watch with `error`, as a dropped connection would. */
  dropWatches(error: Error = new KubeError("Retriable", "watch stream dropped", { code: 0 })): void {
    this.hub.dropAll(error);
  }

  /** Forgets the event history, so a watch from any earlier resourceVersion gets 410 Gone. */
  compactHistory(): void {
    this.hub.compact(this.lastRv);
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    this.hub.bookmark(this.lastRv);
  }

  /** Requests made, optionally of one verb and/or one resource plural. */
  requestCount(verb?: PortVerb, plural?: string): number {
    let total = 0;
    for (const [key, count] of this.counts) {
      const [v, p] = key.split(" ");
      if ((verb === undefined || v === verb) && (plural === undefined || p === plural)) total += count;
    }
    return total;
  }

  openWatches(): number {
    return this.hub.openCount;
  }

  latestResourceVersion(): string {
    return String(this.lastRv);
  }

  // ---- KubePort ----

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    return this.run("get", type, () => {
      const found = this.bucket(type).get(this.keyOf(type, name, namespace));
      return found ? (structuredClone(found) as T) : undefined;
    });
  }

  list<T extends KubeObject>(
    type: ResourceType,
    options: ListOptions = {},
    transformItem?: (item: T) => T,
  ): Promise<ObjectList<T>> {
    return this.run("list", type, () => {
      const matches = this.matcher(type, options);
      const items = [...this.bucket(type).entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, object]) => object)
        .filter(matches);
      const copies = structuredClone(items) as T[];
      return { items: transformItem ? copies.map(transformItem) : copies, resourceVersion: String(this.lastRv) };
    });
  }

  watch<T extends KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    return this.run("watch", type, () => {
      const request: WatchRequest = {
        typeKey: typeKeyOf(type),
        type,
        resourceVersion: options.resourceVersion,
        bookmarks: options.allowWatchBookmarks === true,
        matches: this.matcher(type, options),
        current: () => this.bucket(type).values(),
      };
      return this.hub.open(request, onEvent);
    });
  }

  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("create", type, () => this.insert(type, object));
  }

  replace<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("replace", type, () => {
      const current = this.existing(type, object.metadata.name, object.metadata.namespace);
      const rv = object.metadata.resourceVersion;
      if (rv === undefined || rv === "") {
        throw new KubeError(
          "Invalid",
          "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
          { code: 422, reason: "Invalid" },
        );
      }
      if (rv !== current.metadata.resourceVersion) throw conflict(type, object.metadata.name);
      return this.update(type, current, object, false) as T;
    });
  }

  apply<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("apply", type, () => {
      const current = this.bucket(type).get(this.keyOf(type, object.metadata.name, object.metadata.namespace));
      if (!current) return this.insert(type, object);
      return this.patch(type, current, object, false) as T;
    });
  }

  mergePatch<T extends KubeObject>(type: ResourceType, name: string, patch: object, namespace?: string): Promise<T> {
    return this.run(
      "mergePatch",
      type,
      () => this.patch(type, this.existing(type, name, namespace), patch, false) as T,
    );
  }

  patchStatus<T extends KubeObject>(
    type: ResourceType,
    name: string,
    status: object,
    namespace?: string,
    options?: { resourceVersion?: string },
  ): Promise<T> {
    const patch = options?.resourceVersion
      ? { metadata: { resourceVersion: options.resourceVersion }, status }
      : { status };
    return this.run(
      "patchStatus",
      type,
      () => this.patch(type, this.existing(type, name, namespace), patch, true) as T,
    );
  }

  delete(type: ResourceType, name: string, namespace?: string): Promise<void> {
    return this.run("delete", type, () => {
      this.remove(type, this.existing(type, name, namespace));
    });
  }

  evict(podName: string, namespace: string): Promise<void> {
    return this.run("evict", POD, () => {
      this.remove(POD, this.existing(POD, podName, namespace));
    });
  }

  // ---- internals ----

  private async run<R>(verb: PortVerb, type: ResourceType, body: () => R): Promise<R> {
    await Promise.resolve();
    const countKey = `${verb} ${type.plural}`;
    this.counts.set(countKey, (this.counts.get(countKey) ?? 0) + 1);
    const injected = this.failures.get(verb)?.shift();
    if (injected) throw injected;
    try {
      return body();
    } catch (err) {
      throw kubeErrorOf(err);
    }
  }

  private bucket(type: ResourceType): Map<string, KubeObject> {
    const key = typeKeyOf(type);
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map<string, KubeObject>();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  private keyOf(type: ResourceType, name: string, namespace: string | undefined): string {
    if (!type.namespaced) return name;
    if (!namespace)
      throw new KubeError("BadRequest", `a namespace is required for ${type.plural}`, {
        code: 400,
        reason: "BadRequest",
      });
    return objectKey({ name, namespace });
  }

  private existing(type: ResourceType, name: string, namespace: string | undefined): KubeObject {
    const found = this.bucket(type).get(this.keyOf(type, name, namespace));
    if (!found)
      throw new KubeError("NotFound", `${type.plural} "${name}" not found`, { code: 404, reason: "NotFound" });
    return found;
  }

  private matcher(type: ResourceType, options: ListOptions): (object: KubeObject) => boolean {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, FIELDS);
    const namespace = type.namespaced ? options.namespace : undefined;
    return (object) =>
      (namespace === undefined || object.metadata.namespace === namespace) &&
      matchesLabels(labels, object.metadata.labels ?? {}) &&
      matchesFields(fields, object as unknown as Record<string, unknown>);
  }

  private insert<T extends KubeObject>(type: ResourceType, object: T): T {
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

  private patch(type: ResourceType, current: KubeObject, patch: object, statusOnly: boolean): KubeObject {
    const rv = (patch as { metadata?: { resourceVersion?: unknown } }).metadata?.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) throw conflict(type, current.metadata.name);
    return this.update(type, current, mergePatch(current, patch) as KubeObject, statusOnly);
  }

  /** Writes `wanted` over `current`, keeping what the server owns; a no-op write changes nothing. */
  private update(type: ResourceType, current: KubeObject, wanted: KubeObject, statusOnly: boolean): KubeObject {
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
  private remove(type: ResourceType, current: KubeObject): void {
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
