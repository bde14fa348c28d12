import { objectKey, type KubeObject } from "./kube/types.ts";

/** The index values of one object (an object may appear under several values, or none). */
export type IndexFunction<T> = (object: T) => readonly string[];

/**
 * What controllers see of an informer's cache. Objects are frozen: the cache is shared by every
 * reader, so a reconciler copies (structuredClone) before building a changed object.
 */
export interface ReadonlyStore<T extends KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
  keys(): string[];
  /** Objects whose index function returned `value`, e.g. pods by node name. */
  byIndex(indexName: string, value: string): T[];
  readonly size: number;
}

/** Indexes objects by the value of one label (objects without it are not indexed). */
export function labelIndex<T extends KubeObject>(label: string): IndexFunction<T> {
  return (object) => {
    const value = object.metadata.labels?.[label];
    return value === undefined ? [] : [value];
  };
}

/** Indexes objects by one derived value, e.g. `(pod) => pod.spec.nodeName`. */
export function valueIndex<T>(valueOf: (object: T) => string | undefined): IndexFunction<T> {
  return (object) => {
    const value = valueOf(object);
    return value === undefined || value === "" ? [] : [value];
  };
}

function deepFreeze<V>(value: V): V {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Objects keyed by namespace/name, with secondary indexes kept up to date on every write. */
export class Store<T extends KubeObject> implements ReadonlyStore<T> {
  private readonly items = new Map<string, T>();
  private readonly indexers: ReadonlyMap<string, IndexFunction<T>>;
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunction<T>> = {}) {
    this.indexers = new Map(Object.entries(indexers));
    for (const name of this.indexers.keys()) this.indexes.set(name, new Map());
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`no index named ${indexName}`);
    const found: T[] = [];
    for (const key of index.get(value) ?? []) {
      const object = this.items.get(key);
      if (object !== undefined) found.push(object);
    }
    return found;
  }

  /** Stores the object (frozen) and returns the one it replaced. */
  upsert(object: T): T | undefined {
    const key = objectKey(object.metadata);
    const previous = this.items.get(key);
    if (previous) this.unindex(key, previous);
    this.items.set(key, deepFreeze(object));
    this.index(key, object);
    return previous;
  }

  delete(key: string): T | undefined {
    const previous = this.items.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.items.delete(key);
    return previous;
  }

  private index(key: string, object: T): void {
    for (const [name, indexFunction] of this.indexers) {
      const index = this.indexes.get(name);
      for (const value of indexFunction(object)) {
        let keys = index?.get(value);
        if (!keys) {
          keys = new Set();
          index?.set(value, keys);
        }
        keys.add(key);
      }
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, indexFunction] of this.indexers) {
      const index = this.indexes.get(name);
      for (const value of indexFunction(object)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
  }
}
