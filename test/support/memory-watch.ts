/**
 * The watch side of MemoryKubePort: a bounded history of changes and the open watches, each
 * replayed from its resourceVersion and then fed live, in order, as a socket would.
 */
import { KubeError, toKubeError } from "../../src/runtime/kube/errors.ts";
import type {
  KubeObject,
  ResourceType,
  WatchEvent,
  WatchEventType,
  WatchHandle,
} from "../../src/runtime/kube/types.ts";

export interface Change {
  rv: number;
  typeKey: string;
  type: Exclude<WatchEventType, "BOOKMARK">;
  object: KubeObject;
  previous?: KubeObject;
}

export interface WatchRequest {
  typeKey: string;
  type: ResourceType;
  resourceVersion: string;
  bookmarks: boolean;
  matches: (object: KubeObject) => boolean;
  /** The current objects of the type, for a watch from resourceVersion "" or "0". */
  current: () => Iterable<KubeObject>;
}

interface Watcher {
  request: WatchRequest;
  deliver: (event: WatchEvent<KubeObject>) => void;
  finish: (error?: Error) => void;
}

export const typeKeyOf = (type: ResourceType): string => `${type.apiVersion}/${type.plural}`;

export class WatchHub {
  private readonly historyLimit: number;
  private readonly watchers = new Set<Watcher>();
  private history: Change[] = [];
  /** Changes at or below this resourceVersion are gone from the history. */
  private compactedRv = 0;

  constructor(historyLimit: number) {
    this.historyLimit = historyLimit;
  }

  get openCount(): number {
    return this.watchers.size;
  }

  record(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.historyLimit) this.compactedRv = this.history.shift()?.rv ?? this.compactedRv;
    for (const watcher of this.watchers) {
      if (watcher.request.typeKey === change.typeKey) send(watcher, change);
    }
  }

  open<T extends KubeObject>(request: WatchRequest, onEvent: (event: WatchEvent<T>) => void): WatchHandle {
    let resolveDone!: (error: Error | undefined) => void;
    const done = new Promise<Error | undefined>((resolve) => {
      resolveDone = resolve;
    });
    const watcher: Watcher = {
      request,
      // Delivered in a microtask, as from a socket: in order, never inside the writer's call.
      deliver: (event) => {
        queueMicrotask(() => {
          if (!this.watchers.has(watcher)) return;
          try {
            onEvent(structuredClone(event) as WatchEvent<T>);
          } catch (err) {
            watcher.finish(toKubeError(err));
          }
        });
      },
      finish: (error) => {
        if (this.watchers.delete(watcher)) resolveDone(error);
      },
    };
    this.start(watcher);
    this.watchers.add(watcher);
    return {
      done,
      stop: () => {
        watcher.finish();
      },
    };
  }

  dropAll(error: Error): void {
    for (const watcher of [...this.watchers]) watcher.finish(error);
  }

  compact(lastRv: number): void {
    this.compactedRv = lastRv;
    this.history = [];
  }

  bookmark(lastRv: number): void {
    for (const { request, deliver } of this.watchers) {
      if (!request.bookmarks) continue;
      const { apiVersion, kind } = request.type;
      deliver({
        type: "BOOKMARK",
        object: { apiVersion, kind, metadata: { name: "", resourceVersion: String(lastRv) } },
      });
    }
  }

  private start(watcher: Watcher): void {
    const { resourceVersion, matches, typeKey } = watcher.request;
    if (resourceVersion === "" || resourceVersion === "0") {
      // "Any" version: the current state as synthetic ADDED events, then live changes.
      for (const object of watcher.request.current()) {
        if (matches(object)) watcher.deliver({ type: "ADDED", object });
      }
      return;
    }
    const from = Number(resourceVersion);
    if (!Number.isInteger(from)) {
      throw new KubeError("BadRequest", `invalid resourceVersion "${resourceVersion}"`, {
        code: 400,
        reason: "BadRequest",
      });
    }
    if (from < this.compactedRv) {
      // The real server accepts the watch, then ends it with a 410 Status event.
      const gone = new KubeError("Gone", `too old resource version: ${from} (${this.compactedRv})`, {
        code: 410,
        reason: "Expired",
      });
      queueMicrotask(() => {
        watcher.finish(gone);
      });
      return;
    }
    for (const change of this.history) {
      if (change.rv > from && change.typeKey === typeKey) send(watcher, change);
    }
  }
}

/** What a watch with a selector sees: objects entering or leaving the selection are ADDED/DELETED. */
function send(watcher: Watcher, change: Change): void {
  const { matches } = watcher.request;
  const before = change.previous !== undefined && matches(change.previous);
  const now = change.type !== "DELETED" && matches(change.object);
  if (now) watcher.deliver({ type: before ? "MODIFIED" : "ADDED", object: change.object });
  else if (before) watcher.deliver({ type: "DELETED", object: change.object });
}
