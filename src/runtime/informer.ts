/**
 * A reflector and cache over `KubePort.list` + `KubePort.watch`.
 *
 * Why not client-node's informer: it stops for good on any watch error other than 410 (so a
 * blip of the API server silently freezes the cache), its start() resolves before the cache is
 * synced, and an exception in a handler crashes the process. This one restarts with backoff,
 * offers a `synced` promise, and isolates handlers.
 */
import { isDeepStrictEqual } from "node:util";
import type { Logger } from "./logger.ts";
import { Backoff, WATCH_RESTART_BACKOFF, type BackoffPolicy } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import { isKubeError } from "./kube/errors.ts";
import type { KubePort } from "./kube/port.ts";
import { objectKey, type KubeObject, type ListOptions, type ResourceType, type WatchEvent } from "./kube/types.ts";
import { Store, type IndexFunction, type ReadonlyStore } from "./store.ts";

export interface ResourceEventHandler<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, current: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T extends KubeObject> extends ListOptions {
  port: KubePort;
  type: ResourceType;
  clock: Clock;
  logger: Logger;
  indexers?: Record<string, IndexFunction<T>>;
  /**
   * Shrinks each object before it enters the cache and reaches the handlers (client-go's
   * SetTransform): keep only what the readers read. It must keep metadata.name, namespace and
   * resourceVersion, and must not mutate its argument.
   */
  transform?: (object: T) => T;
  backoff?: BackoffPolicy;
  /** For deterministic jitter in tests. */
  random?: () => number;
}

/** A watch that closes cleanly sooner than this is treated like a failure, to avoid a hot loop. */
const MIN_HEALTHY_WATCH_MS = 1000;

export class Informer<T extends KubeObject> {
  /** Resolves after the first successful list; never rejects (the informer keeps retrying). */
  readonly synced: Promise<void>;
  private readonly port: KubePort;
  private readonly type: ResourceType;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listOptions: ListOptions;
  private readonly store: Store<T>;
  private readonly transform: (object: T) => T;
  private readonly backoff: Backoff;
  private readonly handlers: ResourceEventHandler<T>[] = [];
  private readonly abort = new AbortController();
  private markSynced: () => void = () => undefined;
  private isSynced = false;
  private resourceVersion = "";
  /** Identifies the current watch, so events of a stream we already left are ignored. */
  private watchId = 0;
  private stopCurrentWatch: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(options: InformerOptions<T>) {
    const { port, type, clock, logger, indexers, transform, backoff, random, ...listOptions } = options;
    this.port = port;
    this.type = type;
    this.clock = clock;
    this.log = logger.child({ informer: type.plural });
    this.listOptions = listOptions;
    this.store = new Store(indexers);
    this.transform = transform ?? ((object) => object);
    this.backoff = new Backoff(clock, backoff ?? WATCH_RESTART_BACKOFF, random);
    this.synced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  /** The cache: read-only, current as of the last event received. */
  get cache(): ReadonlyStore<T> {
    return this.store;
  }

  hasSynced(): boolean {
    return this.isSynced;
  }

  /** Adds a handler; objects already cached are replayed to it as adds. */
  addHandler(handler: ResourceEventHandler<T>): void {
    this.handlers.push(handler);
    for (const object of this.store.list()) this.call("onAdd", () => handler.onAdd?.(object));
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.stopCurrentWatch?.();
    await this.loop;
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    while (!this.stopped()) {
      let listedNow = false;
      try {
        if (needList) {
          await this.relist();
          needList = false;
          listedNow = true;
        }
        const started = this.clock.now();
        const ended = await this.watchOnce();
        if (this.stopped()) return;
        if (this.clock.now() - started >= MIN_HEALTHY_WATCH_MS) {
          // The server served this watch: however it ended (cleanly, or a connection reset), it
          // is no failure to back off from. Watch again at once from where it stopped; backing
          // off here would leave the cache behind for up to the backoff's maximum on a network
          // that resets long-lived connections every few seconds.
          this.backoff.reset();
          if (ended === undefined) continue;
          this.log.info({ err: ended }, "watch ended; watching again");
          if (isKubeError(ended, "Gone")) needList = true;
          continue;
        }
        throw ended ?? new Error("watch closed at once");
      } catch (err) {
        if (this.stopped()) return;
        // 410: our resourceVersion is older than the server's history; only a relist recovers.
        if (isKubeError(err, "Gone")) {
          needList = true;
          this.log.info("watch resourceVersion expired; relisting");
          if (!listedNow) continue;
        }
        const delayMs = this.backoff.next();
        this.log.warn({ err, delayMs }, "list/watch failed; retrying after backoff");
        await this.clock.sleep(delayMs, this.abort.signal);
      }
    }
  }

  /** Lists, replaces the cache, and emits the difference (deletes for objects that vanished). */
  private async relist(): Promise<void> {
    // The port applies the transform page by page: the full objects of a large list are never all held.
    const list = await this.port.list<T>(this.type, this.listOptions, this.transform);
    const listed = new Set(list.items.map((object) => objectKey(object.metadata)));
    for (const key of this.store.keys()) {
      if (listed.has(key)) continue;
      const gone = this.store.delete(key);
      if (gone) this.emitDelete(gone);
    }
    for (const object of list.items) this.upsert(object);
    this.resourceVersion = list.resourceVersion;
    if (!this.isSynced) {
      this.isSynced = true;
      this.log.info({ objects: this.store.size }, "cache synced");
      this.markSynced();
    }
  }

  /** Watches from the last resourceVersion; resolves with what ended the stream. */
  private async watchOnce(): Promise<Error | undefined> {
    const id = ++this.watchId;
    const handle = await this.port.watch<T>(
      this.type,
      { ...this.listOptions, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (event) => {
        if (id === this.watchId) this.apply(event);
      },
    );
    this.stopCurrentWatch = () => {
      handle.stop();
    };
    if (this.stopped()) handle.stop();
    const ended = await handle.done;
    this.stopCurrentWatch = undefined;
    this.watchId++;
    return ended;
  }

  private apply(event: WatchEvent<T>): void {
    const { object } = event;
    if (event.type === "DELETED") {
      const gone = this.store.delete(objectKey(object.metadata));
      this.emitDelete(gone ?? this.transform(object));
    } else if (event.type !== "BOOKMARK") {
      this.upsert(this.transform(object));
    }
    if (object.metadata.resourceVersion) this.resourceVersion = object.metadata.resourceVersion;
  }

  private upsert(object: T): void {
    const previous = this.store.upsert(object);
    if (!previous) {
      for (const handler of this.handlers) this.call("onAdd", () => handler.onAdd?.(object));
    } else if (previous.metadata.resourceVersion !== object.metadata.resourceVersion) {
      for (const handler of this.handlers) this.call("onUpdate", () => handler.onUpdate?.(previous, object));
    }
  }

  private emitDelete(object: T): void {
    for (const handler of this.handlers) this.call("onDelete", () => handler.onDelete?.(object));
  }

  /** A throwing handler is logged and skipped: it must neither crash us nor stop the informer. */
  private call(hook: keyof ResourceEventHandler<T>, invoke: () => void): void {
    try {
      invoke();
    } catch (err) {
      this.log.error({ err, hook }, "event handler threw; event skipped for this handler");
    }
  }
}

/** Keys a change maps to: the object's own key by default; `undefined` or [] for none. */
export type KeyMapper<T> = (object: T) => string | readonly string[] | undefined;

/**
 * True when two versions of a cached object differ in their resourceVersion only. With a
 * transform that keeps only what is read, that is a write nobody here reads: a Node status post
 * that moved only the conditions' heartbeat times, or a change of a dropped field (images).
 */
export function onlyResourceVersionChanged(previous: KubeObject, current: KubeObject): boolean {
  const withoutVersion = (object: KubeObject): KubeObject => ({
    ...object,
    metadata: { ...object.metadata, resourceVersion: undefined },
  });
  return isDeepStrictEqual(withoutVersion(previous), withoutVersion(current));
}

export interface EnqueueOptions<T> {
  /** Updates for which this returns true enqueue nothing (e.g. onlyResourceVersionChanged). */
  skipUpdate?: (previous: T, current: T) => boolean;
}

/**
 * A handler that only enqueues keys (level-triggered: the reconciler reads current state).
 * Updates enqueue the keys of both versions, so a change of the mapping (a pod moving to another
 * node, a label removed) reaches the old target as well.
 */
export function enqueueOnChange<T extends KubeObject>(
  queue: { add(key: string): void },
  mapKeys: KeyMapper<T> = (object) => objectKey(object.metadata),
  options: EnqueueOptions<T> = {},
): ResourceEventHandler<T> {
  const enqueue = (object: T): void => {
    const keys = mapKeys(object);
    if (keys === undefined) return;
    for (const key of typeof keys === "string" ? [keys] : keys) queue.add(key);
  };
  const onUpdate = (previous: T, current: T): void => {
    if (options.skipUpdate?.(previous, current) === true) return;
    enqueue(previous);
    enqueue(current);
  };
  return { onAdd: enqueue, onUpdate, onDelete: enqueue };
}
