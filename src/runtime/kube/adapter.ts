import { systemClock, type Clock } from "../clock.ts";
import { openWatch } from "./adapter-watch.ts";
import { KubeError } from "./errors.ts";
import type { WriteFence, WritesInFlight } from "./fenced-port.ts";
import { createKubeHttp, type ApiRequestObserver, type KubeConnection, type KubeHttp } from "./http.ts";
import { queryString, requireNamespace, resourcePath } from "./paths.ts";
import { FIELD_MANAGER, type KubePort } from "./port.ts";
import { withTypeMeta } from "./watch-stream.ts";
import type { KubeObject, ObjectList, ResourceType } from "./types.ts";

export interface KubePortOptions {
  clock?: Clock;
  /** Called once per HTTP request (each list page, each watch opened) for metrics. */
  onRequest?: ApiRequestObserver;
  /**
   * Page size of list calls; the adapter follows `continue` until the last page. Default 250, not
   * client-go's 500: a page of 500 RKE2-sized Nodes is about 8.5 MB of JSON, and parsing it was the
   * operator's RSS peak while its caches synced (docs/upgrades.md).
   */
  pageSize?: number;
  /** Deadline for one non-watch request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Server-side watch timeout range in seconds; each watch picks a random value in it. Default 300-600. */
  watchTimeoutSeconds?: { min: number; max: number };
  /** Source of randomness for the watch timeout jitter (tests pin it). */
  random?: () => number;
  fieldManager?: string;
  /** Sent as User-Agent; the API server derives default field managers and audit identity from it. */
  userAgent?: string;
  /** Refuses writes at the moment they would leave; see fenced-port.ts. */
  fence?: WriteFence;
  /** Told of every write that passed the fence and of its answer; see fenced-port.ts. */
  writesInFlight?: WritesInFlight;
}

const DEFAULT_PAGE_SIZE = 250;
const MERGE_PATCH = "application/merge-patch+json";
const APPLY_PATCH = "application/apply-patch+yaml";

const POD_TYPE: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };

/**
 * The KubePort over HTTP(S) against a real (or simulated) API server. Every method rejects with
 * a KubeError. Two choices callers should know: `delete` and `evict` treat 404 as done (the
 * object is already gone, which is what the caller wanted); `watch` rejects when the server
 * refuses to open the stream and reports a later end on the handle's `done`.
 */
export function createKubePort(connection: KubeConnection, options: KubePortOptions = {}): KubePort {
  const clock = options.clock ?? systemClock;
  const http = createKubeHttp(connection, {
    clock,
    onRequest: options.onRequest,
    requestTimeoutMs: options.requestTimeoutMs,
    userAgent: options.userAgent,
    fence: options.fence,
    writesInFlight: options.writesInFlight,
  });
  return createKubePortOver(http, options);
}

/** The port over an existing transport (shared by several ports, or a test double). */
export function createKubePortOver(http: KubeHttp, options: KubePortOptions = {}): KubePort {
  const clock = options.clock ?? systemClock;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  const watchRange = options.watchTimeoutSeconds ?? { min: 300, max: 600 };
  const random = options.random ?? Math.random;
  const watchTimeoutSeconds = (): number =>
    Math.floor(watchRange.min + random() * (watchRange.max - watchRange.min + 1));

  function objectPath(type: ResourceType, object: KubeObject, subresource?: "status"): string {
    const namespace = requireNamespace(type, object.metadata.namespace);
    return resourcePath(type, { namespace, name: object.metadata.name, subresource });
  }

  async function writeObject<T extends KubeObject>(
    type: ResourceType,
    request: Parameters<KubeHttp["json"]>[0],
  ): Promise<T> {
    return asObject(type, await http.json(request), request.path) as T;
  }

  return {
    async get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string) {
      const path = resourcePath(type, { namespace: requireNamespace(type, namespace), name });
      const answer = await http.json({ verb: "get", method: "GET", path }, true);
      return answer === undefined ? undefined : (asObject(type, answer, path) as T);
    },

    async list<T extends KubeObject>(
      type: ResourceType,
      listOptions: Parameters<KubePort["list"]>[1] = {},
      transformItem?: (item: T) => T,
    ) {
      const path = resourcePath(type, { namespace: listOptions.namespace });
      const items: T[] = [];
      let resourceVersion = "";
      let continueToken: string | undefined;
      do {
        const query = queryString({
          labelSelector: listOptions.labelSelector,
          fieldSelector: listOptions.fieldSelector,
          limit: pageSize,
          continue: continueToken,
        });
        const page = asListPage(await http.json({ verb: "list", method: "GET", path, query }), path);
        for (const item of page.items) {
          const typed = withTypeMeta(type, item) as unknown as T;
          items.push(transformItem ? transformItem(typed) : typed);
        }
        resourceVersion = page.resourceVersion;
        continueToken = page.continueToken;
      } while (continueToken);
      const list: ObjectList<T> = { items, resourceVersion };
      return list;
    },

    watch(type, watchOptions, onEvent) {
      return openWatch(http, type, watchOptions, onEvent, { clock, timeoutSeconds: watchTimeoutSeconds });
    },

    create(type, object) {
      const namespace = requireNamespace(type, object.metadata.namespace);
      const path = resourcePath(type, { namespace });
      return writeObject(type, { verb: "create", method: "POST", path, body: object });
    },

    replace(type, object) {
      return writeObject(type, { verb: "replace", method: "PUT", path: objectPath(type, object), body: object });
    },

    apply(type, object, applyOptions) {
      const query = queryString({ fieldManager, force: applyOptions?.force ?? false });
      const path = objectPath(type, object);
      return writeObject(type, { verb: "apply", method: "PATCH", path, query, body: object, contentType: APPLY_PATCH });
    },

    mergePatch(type, name, patch, namespace) {
      const path = resourcePath(type, { namespace: requireNamespace(type, namespace), name });
      return writeObject(type, { verb: "patch", method: "PATCH", path, body: patch, contentType: MERGE_PATCH });
    },

    patchStatus(type, name, status, namespace, statusOptions) {
      const path = resourcePath(type, { namespace: requireNamespace(type, namespace), name, subresource: "status" });
      const resourceVersion = statusOptions?.resourceVersion;
      return writeObject(type, {
        verb: "patchStatus",
        method: "PATCH",
        path,
        body: resourceVersion ? { metadata: { resourceVersion }, status } : { status },
        contentType: MERGE_PATCH,
      });
    },

    async delete(type, name, namespace, deleteOptions) {
      const path = resourcePath(type, { namespace: requireNamespace(type, namespace), name });
      const body = { apiVersion: "v1", kind: "DeleteOptions", ...deleteOptions };
      await http.json({ verb: "delete", method: "DELETE", path, body }, true);
    },

    async evict(podName, namespace, evictOptions) {
      const path = resourcePath(POD_TYPE, { namespace, name: podName, subresource: "eviction" });
      const body = {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: podName, namespace },
        ...(evictOptions?.gracePeriodSeconds !== undefined
          ? { deleteOptions: { gracePeriodSeconds: evictOptions.gracePeriodSeconds } }
          : {}),
      };
      await http.json({ verb: "evict", method: "POST", path, body }, true);
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unexpected(path: string, what: string): KubeError {
  return new KubeError("Retriable", `${path}: the answer is not ${what}`, { code: 0 });
}

function asObject(type: ResourceType, value: unknown, path: string): KubeObject {
  if (!isRecord(value) || !isRecord(value.metadata)) throw unexpected(path, `a ${type.kind}`);
  return withTypeMeta(type, value) as unknown as KubeObject;
}

function asListPage(
  value: unknown,
  path: string,
): { items: Record<string, unknown>[]; resourceVersion: string; continueToken?: string } {
  if (!isRecord(value)) throw unexpected(path, "a list");
  const items = value.items ?? [];
  if (!Array.isArray(items) || !items.every(isRecord)) throw unexpected(path, "a list");
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const resourceVersion = typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : "";
  const continueToken =
    typeof metadata.continue === "string" && metadata.continue !== "" ? metadata.continue : undefined;
  return { items, resourceVersion, continueToken };
}
