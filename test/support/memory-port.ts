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
import { systemClock, type Clock } from "../../src/runtime/clock.ts";
import { classifyStatus, KubeError, toKubeError } from "../../src/runtime/kube/errors.ts";
import type { KubePort } from "../../src/runtime/kube/port.ts";
import type {
  KubeObject,
  ListOptions,
  ObjectList,
  ResourceType,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "../../src/runtime/kube/types.ts";
import { conflict, MemoryObjects } from "./memory-objects.ts";
import { typeKeyOf, WatchHub, type WatchRequest } from "./memory-watch.ts";
import { ApiError } from "../../src/sim/apiserver/errors.ts";
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

export class MemoryKubePort implements KubePort {
  private readonly clock: Clock;
  private readonly hub: WatchHub;
  private readonly failures = new Map<PortVerb, KubeError[]>();
  private readonly counts = new Map<string, number>();
  private readonly store: MemoryObjects;

  constructor(options: { clock?: Clock; historyLimit?: number } = {}) {
    this.clock = options.clock ?? systemClock;
    this.hub = new WatchHub(options.historyLimit ?? 1000);
    this.store = new MemoryObjects(this.clock, this.hub);
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
    this.hub.compact(this.store.revision);
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): void {
    this.hub.bookmark(this.store.revision);
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
    return String(this.store.revision);
  }

  // ---- KubePort ----

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined> {
    return this.run("get", type, () => {
      const found = this.store.bucket(type).get(this.store.keyOf(type, name, namespace));
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
      const items = [...this.store.bucket(type).entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([, object]) => object)
        .filter(matches);
      const copies = structuredClone(items) as T[];
      return {
        items: transformItem ? copies.map(transformItem) : copies,
        resourceVersion: String(this.store.revision),
      };
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
        current: () => this.store.bucket(type).values(),
      };
      return this.hub.open(request, onEvent);
    });
  }

  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("create", type, () => this.store.insert(type, object));
  }

  replace<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("replace", type, () => {
      const current = this.store.existing(type, object.metadata.name, object.metadata.namespace);
      const rv = object.metadata.resourceVersion;
      if (rv === undefined || rv === "") {
        throw new KubeError(
          "Invalid",
          "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
          { code: 422, reason: "Invalid" },
        );
      }
      if (rv !== current.metadata.resourceVersion) throw conflict(type, object.metadata.name);
      return this.store.update(type, current, object, false) as T;
    });
  }

  apply<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.run("apply", type, () => {
      const current = this.store
        .bucket(type)
        .get(this.store.keyOf(type, object.metadata.name, object.metadata.namespace));
      if (!current) return this.store.insert(type, object);
      return this.store.patch(type, current, object, false) as T;
    });
  }

  mergePatch<T extends KubeObject>(type: ResourceType, name: string, patch: object, namespace?: string): Promise<T> {
    return this.run(
      "mergePatch",
      type,
      () => this.store.patch(type, this.store.existing(type, name, namespace), patch, false) as T,
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
      () => this.store.patch(type, this.store.existing(type, name, namespace), patch, true) as T,
    );
  }

  delete(type: ResourceType, name: string, namespace?: string): Promise<void> {
    return this.run("delete", type, () => {
      this.store.remove(type, this.store.existing(type, name, namespace));
    });
  }

  evict(podName: string, namespace: string): Promise<void> {
    return this.run("evict", POD, () => {
      this.store.remove(POD, this.store.existing(POD, podName, namespace));
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

  private matcher(type: ResourceType, options: ListOptions): (object: KubeObject) => boolean {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, FIELDS);
    const namespace = type.namespaced ? options.namespace : undefined;
    return (object) =>
      (namespace === undefined || object.metadata.namespace === namespace) &&
      matchesLabels(labels, object.metadata.labels ?? {}) &&
      matchesFields(fields, object as unknown as Record<string, unknown>);
  }
}
