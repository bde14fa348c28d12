import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { ServerResponse } from "node:http";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { KubeError } from "../../../../src/runtime/kube/errors.ts";
import type { KubePort } from "../../../../src/runtime/kube/port.ts";
import type { KubeObject, ResourceType, WatchEvent } from "../../../../src/runtime/kube/types.ts";
import { sendJson, startTestApiServer, status, type TestApiServer } from "./test-api-server.ts";

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };

const line = (event: object): string => `${JSON.stringify(event)}\n`;
const added = (name: string, rv: string): string =>
  line({
    type: "ADDED",
    object: { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop", resourceVersion: rv } },
  });
const bookmark = (rv: string): string =>
  line({ type: "BOOKMARK", object: { apiVersion: "v1", kind: "Pod", metadata: { resourceVersion: rv } } });

let server: TestApiServer;
let port: KubePort;
let events: WatchEvent<KubeObject>[];
/** The open watch response, so a test can write to it and end it. */
let stream: ServerResponse | undefined;
let streamClosed: Promise<void>;

beforeAll(async () => {
  server = await startTestApiServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  events = [];
  stream = undefined;
  streamClosed = new Promise((resolve) => {
    server.respond((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.flushHeaders();
      stream = res;
      res.on("close", () => {
        resolve();
      });
    });
  });
  port = createKubePort(server.connection(), { random: () => 0, watchTimeoutSeconds: { min: 300, max: 600 } });
});

function openStream(): ServerResponse {
  if (!stream) throw new Error("the watch did not reach the server");
  return stream;
}

/** Writes pieces with a pause between them so they leave as separate chunks. */
async function writeInPieces(res: ServerResponse, pieces: (string | Uint8Array)[]): Promise<void> {
  for (const piece of pieces) {
    res.write(piece);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Polls until `condition` holds, so tests wait for the network without fixed sleeps. */
async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const watchPods = (p: KubePort = port) =>
  p.watch<KubeObject>(PODS, { namespace: "shop", resourceVersion: "10", labelSelector: "app=web" }, (event) => {
    events.push(event);
  });

describe("createKubePort.watch", () => {
  it("asks for a watch from the resourceVersion with bookmarks and a server-side timeout", async () => {
    const handle = await watchPods();
    const request = server.requests[0]!;
    expect(request.path).toBe("/api/v1/namespaces/shop/pods");
    expect(Object.fromEntries(request.query)).toEqual({
      watch: "1",
      resourceVersion: "10",
      allowWatchBookmarks: "true",
      timeoutSeconds: "300",
      labelSelector: "app=web",
    });
    handle.stop();
    await handle.done;
  });

  it("delivers events split at odd byte boundaries, bookmarks too; ends cleanly when the server closes", async () => {
    const handle = await watchPods();
    const bytes = new TextEncoder().encode(added("wëb-1", "11") + bookmark("12") + added("web-2", "13"));
    await writeInPieces(openStream(), [bytes.slice(0, 7), bytes.slice(7, 53), bytes.slice(53, 54), bytes.slice(54)]);
    openStream().end();
    await expect(handle.done).resolves.toBeUndefined();
    expect(events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion])).toEqual([
      ["ADDED", "wëb-1", "11"],
      ["BOOKMARK", undefined, "12"],
      ["ADDED", "web-2", "13"],
    ]);
  });

  it("an ERROR 410 event ends the watch with Gone", async () => {
    const handle = await watchPods();
    openStream().write(added("web-1", "11"));
    openStream().write(line({ type: "ERROR", object: status(410, "Expired", "too old resource version: 10 (50)") }));
    const ended = await handle.done;
    expect(ended).toBeInstanceOf(KubeError);
    expect((ended as KubeError).errorClass).toBe("Gone");
    expect(events).toHaveLength(1);
    await streamClosed;
  });

  it("stop() ends the watch without an error and closes the connection", async () => {
    const handle = await watchPods();
    openStream().write(added("web-1", "11"));
    await waitFor(() => events.length === 1);
    handle.stop();
    await expect(handle.done).resolves.toBeUndefined();
    await streamClosed;
    expect(events).toHaveLength(1);
  });

  it("a dropped connection ends the watch with a Retriable error", async () => {
    const handle = await watchPods();
    await writeInPieces(openStream(), [added("web-1", "11")]);
    openStream().socket?.destroy();
    const ended = await handle.done;
    expect(ended).toBeInstanceOf(KubeError);
    expect((ended as KubeError).errorClass).toBe("Retriable");
    expect(events).toHaveLength(1);
  });

  it("a handler that throws ends the watch with that error instead of crashing", async () => {
    const handle = await port.watch(PODS, { namespace: "shop", resourceVersion: "10" }, () => {
      throw new Error("handler bug");
    });
    openStream().write(added("web-1", "11"));
    await expect(handle.done).resolves.toThrow("handler bug");
  });

  it("a watch refused with 410 rejects with Gone", async () => {
    server.respond((_req, res) => {
      sendJson(res, 410, status(410, "Expired", "too old resource version"));
    });
    await expect(watchPods()).rejects.toMatchObject({ errorClass: "Gone" });
  });

  it("a stream silent past its timeout plus grace ends Retriable", async () => {
    const clock = new FakeClock();
    const watcher = createKubePort(server.connection(), {
      clock,
      random: () => 0,
      watchTimeoutSeconds: { min: 60, max: 60 },
    });
    const handle = await watchPods(watcher);
    let ended: Error | undefined | "pending" = "pending";
    void handle.done.then((result) => (ended = result));
    await clock.advance(89_000);
    expect(ended).toBe("pending");
    await clock.advance(1_000);
    await handle.done;
    expect(ended).toBeInstanceOf(KubeError);
    expect((ended as unknown as KubeError).message).toMatch(/silent past its 60 s timeout/);
  });

  it("picks the server-side timeout in the configured range", async () => {
    const jittered = createKubePort(server.connection(), {
      random: () => 0.999,
      watchTimeoutSeconds: { min: 300, max: 600 },
    });
    const handle = await watchPods(jittered);
    expect(server.requests[0]!.query.get("timeoutSeconds")).toBe("600");
    handle.stop();
    await handle.done;
  });
});
