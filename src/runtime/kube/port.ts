import type {
  DeleteOptions,
  EvictOptions,
  KubeObject,
  ListOptions,
  ObjectList,
  ResourceType,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "./types.ts";

/** The field manager every write of the operator is recorded under. */
export const FIELD_MANAGER = "rke2-lifecycle-operator";

/**
 * The one door to the Kubernetes API. Controllers, the rollout engine, the sim's kubelets and
 * the tests all go through it; the adapter implements it over HTTP, tests use an in-memory fake.
 * Every method rejects with a `KubeError` (see errors.ts) so callers can classify failures.
 */
export interface KubePort {
  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T | undefined>;
  /**
   * Lists every page. `transformItem` is applied to each item as its page arrives, so a caller
   * that keeps only part of each object never holds the whole collection in full (the informers).
   */
  list<T extends KubeObject>(
    type: ResourceType,
    options?: ListOptions,
    transformItem?: (item: T) => T,
  ): Promise<ObjectList<T>>;
  /** Opens a watch; events arrive on `onEvent` in order. A 410 ends it with a `Gone` KubeError. */
  watch<T extends KubeObject>(
    type: ResourceType,
    options: WatchOptions,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle>;
  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T>;
  /** Full replace with optimistic concurrency (metadata.resourceVersion must match). */
  replace<T extends KubeObject>(type: ResourceType, object: T): Promise<T>;
  /** Server-side apply under FIELD_MANAGER. */
  apply<T extends KubeObject>(type: ResourceType, object: T, options?: { force?: boolean }): Promise<T>;
  /** JSON merge patch (RFC 7386) of the main resource. */
  mergePatch<T extends KubeObject>(type: ResourceType, name: string, patch: object, namespace?: string): Promise<T>;
  /**
   * JSON merge patch of the `/status` subresource. With `resourceVersion` the patch carries it, so
   * the API server answers 409 Conflict when the object changed since that version.
   */
  patchStatus<T extends KubeObject>(
    type: ResourceType,
    name: string,
    status: object,
    namespace?: string,
    options?: { resourceVersion?: string },
  ): Promise<T>;
  delete(type: ResourceType, name: string, namespace?: string, options?: DeleteOptions): Promise<void>;
  /** POST pods/<name>/eviction; a PodDisruptionBudget refusal is a `TooManyRequests` KubeError. */
  evict(podName: string, namespace: string, options?: EvictOptions): Promise<void>;
}
