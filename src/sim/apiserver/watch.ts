/**
 * Watch streams: newline-delimited JSON events over a chunked response, as the real server sends
 * them. rv ""/"0" starts with synthetic ADDED events for what exists; a numeric rv replays the
 * history after it, or ends with an ERROR event holding a 410 Expired Status when history no
 * longer reaches back. Objects moving in or out of the selectors appear as ADDED / DELETED.
 */
import type { ServerResponse } from "node:http";
import type { Clock } from "../../runtime/clock.ts";
import { badRequest, expired } from "./errors.ts";
import { metaOf, stringField, stringMap, type JsonObject } from "./json.ts";
import { resourceKey, type ResourceDef } from "./resources.ts";
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from "./selectors.ts";
import type { ApiService } from "./service.ts";
import type { ChangeEvent } from "./store.ts";

export interface WatchRequest {
  def: ResourceDef;
  version: string;
  namespace: string | undefined;
  resourceVersion: string | undefined;
  labelSelector: string | undefined;
  fieldSelector: string | undefined;
  allowBookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Turns each object into what the client asked for (a Table row, or the object itself). */
  render: (object: JsonObject) => JsonObject;
}

export interface WatchTuning {
  bookmarkIntervalMs: number;
  /** Default stream lifetime when the client sets no timeoutSeconds (real: 30-60 min). */
  defaultTimeoutMs: number;
  /** Fault: end the stream after this many ms (0 = never). */
  dropAfterMs: number;
  /** Fault: end it by resetting the connection rather than cleanly. */
  abruptDrop: boolean;
  /** Fault: answer a resumed watch (numeric rv) with 410 Gone. */
  forceGone: boolean;
  /** Fault: the plural whose live events are sent `eventDelayMs` late ("" = none). */
  delayedResource?: string;
  eventDelayMs?: number;
}

function keyOf(object: JsonObject): string {
  const meta = metaOf(object);
  return `${stringField(meta, "namespace") ?? ""}/${stringField(meta, "name") ?? ""}`;
}

/** Starts streaming; resolves nothing, the stream ends on timeout, error, fault or client close. */
export function serveWatch(
  service: ApiService,
  clock: Clock,
  res: ServerResponse,
  request: WatchRequest,
  tuning: WatchTuning,
): void {
  const labels = parseLabelSelector(request.labelSelector);
  const fields = parseFieldSelector(request.fieldSelector, request.def.fieldLabels);
  const matches = (o: JsonObject): boolean =>
    matchesLabels(labels, stringMap(metaOf(o).labels)) && matchesFields(fields, o);
  const resource = resourceKey(request.def);
  const inScope = (o: JsonObject): boolean =>
    !request.def.namespaced || !request.namespace || stringField(metaOf(o), "namespace") === request.namespace;
  const rvText = request.resourceVersion ?? "";
  let startAfter: number | undefined;
  if (rvText !== "" && rvText !== "0") {
    startAfter = Number(rvText);
    if (!Number.isInteger(startAfter) || startAfter < 0) throw badRequest(`invalid resource version: ${rvText}`);
  }

  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  // The real server sends headers at once; clients wait for them before reading events.
  res.flushHeaders();
  const cancels: (() => void)[] = [];
  let closed = false;
  const close = (abrupt: boolean): void => {
    if (closed) return;
    closed = true;
    for (const cancel of cancels) cancel();
    if (abrupt) res.destroy();
    else res.end();
  };
  res.on("close", () => {
    close(false);
  });
  const send = (type: string, object: JsonObject): void => {
    if (!closed) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const fail = (message: string): void => {
    send("ERROR", expired(message).toStatus() as unknown as JsonObject);
    close(false);
  };

  const visible = new Set<string>();
  let lastSent = 0;
  const deliver = (event: ChangeEvent): void => {
    if (event.resourceVersion <= lastSent || !inScope(event.object)) return;
    lastSent = event.resourceVersion;
    const key = keyOf(event.object);
    const wasVisible = visible.has(key);
    const nowMatches = matches(event.object);
    let type: string | undefined;
    if (event.type === "DELETED") type = wasVisible || nowMatches ? "DELETED" : undefined;
    else if (nowMatches) type = wasVisible ? "MODIFIED" : "ADDED";
    else if (wasVisible) type = "DELETED";
    if (type === "DELETED") visible.delete(key);
    else if (type) visible.add(key);
    if (type) send(type, request.render(service.present(request.def, request.version, event.object)));
  };

  const pending: ChangeEvent[] = [];
  let live = false;
  const delayMs = tuning.delayedResource === request.def.plural ? (tuning.eventDelayMs ?? 0) : 0;
  cancels.push(
    service.store.subscribe(resource, (event) => {
      if (!live) pending.push(event);
      else if (delayMs > 0)
        cancels.push(
          clock.setTimer(delayMs, () => {
            deliver(event);
          }),
        );
      else deliver(event);
    }),
  );

  const current = service.store.view(resource, request.def.namespaced ? request.namespace : undefined);
  if (startAfter === undefined) {
    lastSent = service.store.currentRevision();
    for (const object of current.filter(matches)) {
      visible.add(keyOf(object));
      send("ADDED", request.render(service.present(request.def, request.version, object)));
    }
  } else {
    const replay = tuning.forceGone ? undefined : service.store.eventsAfter(resource, startAfter);
    if (!replay) {
      fail(`too old resource version: ${startAfter} (${service.store.currentRevision()})`);
      return;
    }
    for (const object of current.filter(matches)) visible.add(keyOf(object));
    lastSent = startAfter;
    for (const event of replay) deliver(event);
  }
  live = true;
  for (const event of pending) deliver(event);

  if (request.allowBookmarks) {
    const bookmark = (): void => {
      send("BOOKMARK", {
        kind: request.def.kind,
        apiVersion: service.present(request.def, request.version, {}).apiVersion,
        // A delayed stream must not skip a client past events it has not been sent yet.
        metadata: {
          resourceVersion: String(delayMs > 0 ? lastSent : Math.max(lastSent, service.store.currentRevision())),
        },
      });
      cancels.push(clock.setTimer(tuning.bookmarkIntervalMs, bookmark));
    };
    cancels.push(clock.setTimer(tuning.bookmarkIntervalMs, bookmark));
  }
  const timeoutMs = request.timeoutSeconds !== undefined ? request.timeoutSeconds * 1000 : tuning.defaultTimeoutMs;
  cancels.push(
    clock.setTimer(timeoutMs, () => {
      close(false);
    }),
  );
  if (tuning.dropAfterMs > 0) {
    cancels.push(
      clock.setTimer(tuning.dropAfterMs, () => {
        close(tuning.abruptDrop);
      }),
    );
  }
}
