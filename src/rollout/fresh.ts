/**
 * Our own recent writes, layered over an informer cache. A reconcile that runs before the watch
 * delivered our last write would otherwise decide on the object as it was before it, and for
 * example start a second node while the first one's claim is still invisible: the stale-cache
 * race that made system-upgrade-controller exceed its concurrency (SUC #134). An entry lives until
 * the informer shows the written resourceVersion (or a later one), or for `ttlMs` at most, in case
 * a relist jumped over it.
 *
 * resourceVersions are opaque by contract, but every real store (etcd revisions) and the
 * simulator use increasing integers; when both are integers a later one counts as "caught up",
 * otherwise only the exact value does.
 */
import type { Clock } from "../runtime/clock.ts";
import type { ResourceEventHandler } from "../runtime/informer.ts";
import { objectKey, type KubeObject } from "../runtime/kube/types.ts";
import type { ReadonlyStore } from "../runtime/store.ts";

interface Written<T> {
  object: T;
  at: number;
}

export function resourceVersionAtLeast(candidate: string | undefined, reference: string | undefined): boolean {
  if (candidate === undefined || reference === undefined) return false;
  if (/^\d+$/.test(candidate) && /^\d+$/.test(reference)) return BigInt(candidate) >= BigInt(reference);
  return candidate === reference;
}

export class RecentWrites<T extends KubeObject> {
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly written = new Map<string, Written<T>>();

  constructor(clock: Clock, ttlMs = 30_000) {
    this.clock = clock;
    this.ttlMs = ttlMs;
  }

  /** Remembers what a write returned. */
  record(object: T): void {
    this.written.set(objectKey(object.metadata), { object, at: this.clock.now() });
  }

  /** The fresher of the cached object and our last write of it. */
  resolve(cached: T | undefined, key: string): T | undefined {
    const entry = this.written.get(key);
    if (!entry) return cached;
    const expired = this.clock.now() - entry.at > this.ttlMs;
    if (expired || resourceVersionAtLeast(cached?.metadata.resourceVersion, entry.object.metadata.resourceVersion)) {
      this.written.delete(key);
      return cached;
    }
    return entry.object;
  }

  /** An informer handler that forgets entries once the watch caught up with them. */
  handler(): ResourceEventHandler<T> {
    const seen = (object: T): void => {
      const key = objectKey(object.metadata);
      const entry = this.written.get(key);
      if (entry && resourceVersionAtLeast(object.metadata.resourceVersion, entry.object.metadata.resourceVersion))
        this.written.delete(key);
    };
    return {
      onAdd: seen,
      onUpdate: (_previous, current) => {
        seen(current);
      },
      onDelete: (object) => this.written.delete(objectKey(object.metadata)),
    };
  }

  get size(): number {
    return this.written.size;
  }
}

/**
 * An informer cache seen through our own recent writes of its objects, for a controller's own
 * resources (its status writes): a reconcile that runs before the watch delivered the last status
 * write then starts from that write, instead of a stale object whose status write can only be
 * refused with 409 Conflict and retried with backoff.
 */
export class StoreWithOwnWrites<T extends KubeObject> implements ReadonlyStore<T> {
  private readonly cache: ReadonlyStore<T>;
  private readonly writes: RecentWrites<T>;

  constructor(informer: { cache: ReadonlyStore<T>; addHandler(handler: ResourceEventHandler<T>): void }, clock: Clock) {
    this.cache = informer.cache;
    this.writes = new RecentWrites<T>(clock);
    informer.addHandler(this.writes.handler());
  }

  /** Remembers what a write of one of the objects returned. */
  record(object: T): void {
    this.writes.record(object);
  }

  get(key: string): T | undefined {
    return this.writes.resolve(this.cache.get(key), key);
  }

  list(): T[] {
    return this.cache.keys().flatMap((key) => this.get(key) ?? []);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  byIndex(indexName: string, value: string): T[] {
    return this.cache.byIndex(indexName, value).map((object) => this.get(objectKey(object.metadata)) ?? object);
  }

  get size(): number {
    return this.cache.size;
  }
}
