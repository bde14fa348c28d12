import type { Clock } from "../clock.ts";
import { kubeErrorFromResponse } from "./adapter-errors.ts";
import { KubeError, toKubeError } from "./errors.ts";
import type { KubeHttp } from "./http.ts";
import { queryString, resourcePath } from "./paths.ts";
import { decodeWatchLine, LineSplitter } from "./watch-stream.ts";
import type { KubeObject, ResourceType, WatchEvent, WatchHandle, WatchOptions } from "./types.ts";

export interface WatchSettings {
  clock: Clock;
  /** The server-side timeout of the next watch, in seconds (jittered so watches do not reconnect in step). */
  timeoutSeconds: () => number;
}

/**
 * Extra time past the server-side timeout before the client gives up on a silent stream: a
 * half-open connection (API server gone without a FIN) would otherwise hang the watch forever.
 */
const DEADLINE_GRACE_SECONDS = 30;

/**
 * Opens a watch. Resolves once the server accepted it (200); an answer other than 200 rejects
 * with the matching KubeError (410 as `Gone`). After that, the stream's end is reported on
 * `done`: `undefined` for a clean close by the server or `stop()`, else the error that ended it
 * (an ERROR event's Status, a dropped connection as `Retriable`, or whatever `onEvent` threw).
 */
export async function openWatch<T extends KubeObject>(
  http: KubeHttp,
  type: ResourceType,
  options: WatchOptions,
  onEvent: (event: WatchEvent<T>) => void,
  settings: WatchSettings,
): Promise<WatchHandle> {
  const timeoutSeconds = settings.timeoutSeconds();
  const controller = new AbortController();
  let stopped = false;
  let deadlinePassed = false;
  const cancelDeadline = settings.clock.setTimer((timeoutSeconds + DEADLINE_GRACE_SECONDS) * 1000, () => {
    deadlinePassed = true;
    controller.abort();
  });

  const path = resourcePath(type, { namespace: options.namespace });
  const query = queryString({
    watch: 1,
    resourceVersion: options.resourceVersion,
    allowWatchBookmarks: options.allowWatchBookmarks ?? true,
    timeoutSeconds,
    labelSelector: options.labelSelector,
    fieldSelector: options.fieldSelector,
  });

  let response;
  try {
    response = await http.send({ verb: "watch", method: "GET", path, query, signal: controller.signal });
    if (response.status !== 200) {
      const text = await response.text().catch(() => "");
      throw kubeErrorFromResponse(response.status, text, response.headers["retry-after"]);
    }
  } catch (err) {
    cancelDeadline();
    controller.abort();
    throw toKubeError(err);
  }
  const body = response.body;

  /** Hands one line to the caller; returns the error that must end the stream, if any. */
  function deliver(line: string): Error | undefined {
    const decoded = decodeWatchLine<T>(type, line);
    if (decoded.kind === "error") return decoded.error;
    try {
      onEvent(decoded.event);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  async function pump(): Promise<Error | undefined> {
    const splitter = new LineSplitter();
    const chunks: AsyncIterable<Uint8Array> = body;
    try {
      for await (const chunk of chunks) {
        for (const line of splitter.push(chunk)) {
          if (stopped) return undefined;
          const failure = deliver(line);
          if (failure) return failure;
        }
      }
      for (const line of splitter.end()) {
        const failure = deliver(line);
        if (failure) return failure;
      }
      return undefined;
    } catch (err) {
      if (stopped) return undefined;
      if (deadlinePassed) {
        return new KubeError("Retriable", `watch ${path} was silent past its ${timeoutSeconds} s timeout`, { code: 0 });
      }
      return toKubeError(err);
    }
  }

  const done = pump().finally(() => {
    cancelDeadline();
    // Releases the connection when the stream ended early (an ERROR event, a throwing handler).
    controller.abort();
  });

  return {
    done,
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
