import { describe, expect, it } from "@jest/globals";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import {
  enqueueOnChange,
  Informer,
  onlyResourceVersionChanged,
  type ResourceEventHandler,
} from "../../../src/runtime/informer.ts";
import { labelIndex, valueIndex } from "../../../src/runtime/store.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

interface Pod extends KubeObject {
  spec: { nodeName?: string };
}

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };

function pod(name: string, nodeName = "n1", namespace = "ns"): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels: { app: "web" } }, spec: { nodeName } };
}

function recorder(): { events: string[]; handler: ResourceEventHandler<Pod> } {
  const events: string[] = [];
  return {
    events,
    handler: {
      onAdd: (p) => events.push(`add ${p.metadata.name}`),
      onUpdate: (_old, p) => events.push(`update ${p.metadata.name}`),
      onDelete: (p) => events.push(`delete ${p.metadata.name}`),
    },
  };
}

function setup(options: { namespace?: string; transform?: (p: Pod) => Pod } = {}) {
  const clock = new FakeClock();
  const port = new MemoryKubePort({ clock });
  const informer = new Informer<Pod>({
    port,
    type: PODS,
    clock,
    logger: silentLogger(),
    random: () => 0,
    indexers: { node: valueIndex((p: Pod) => p.spec.nodeName), app: labelIndex("app") },
    ...options,
  });
  return { clock, port, informer };
}

describe("Informer", () => {
  it("lists, resolves synced, fills the cache and replays it to late handlers", async () => {
    const { port, informer } = setup();
    await port.create(PODS, pod("a"));
    await port.create(PODS, pod("b", "n2"));
    expect(informer.hasSynced()).toBe(false);
    informer.start();
    await informer.synced;
    expect(informer.cache.keys().sort()).toEqual(["ns/a", "ns/b"]);
    expect(informer.cache.byIndex("node", "n2").map((p) => p.metadata.name)).toEqual(["b"]);
    expect(informer.cache.byIndex("app", "web")).toHaveLength(2);
    const { events, handler } = recorder();
    informer.addHandler(handler);
    expect(events.sort()).toEqual(["add a", "add b"]);
    expect(Object.isFrozen(informer.cache.get("ns/a")?.spec)).toBe(true);
    await informer.stop();
    expect(port.openWatches()).toBe(0);
  });

  it("follows adds, updates and deletes, and keeps indexes current", async () => {
    const { port, informer } = setup();
    const { events, handler } = recorder();
    informer.addHandler(handler);
    informer.start();
    await informer.synced;
    await port.create(PODS, pod("a"));
    await port.mergePatch(PODS, "a", { spec: { nodeName: "n2" } }, "ns");
    await port.create(PODS, pod("b"));
    await port.delete(PODS, "b", "ns");
    await flushMicrotasks();
    expect(events).toEqual(["add a", "update a", "add b", "delete b"]);
    expect(informer.cache.byIndex("node", "n1")).toEqual([]);
    expect(informer.cache.byIndex("node", "n2").map((p) => p.metadata.name)).toEqual(["a"]);
    await informer.stop();
  });

  it("restarts a dropped watch after a growing backoff and catches up from its resourceVersion", async () => {
    const { clock, port, informer } = setup();
    const { events, handler } = recorder();
    informer.addHandler(handler);
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    port.dropWatches();
    await port.create(PODS, pod("while-away"));
    await clock.advance(799);
    expect(port.requestCount("watch")).toBe(1);
    expect(events).toEqual([]);
    await clock.advance(1);
    expect(port.requestCount("watch")).toBe(2);
    expect(events).toEqual(["add while-away"]);
    port.failNext("watch", new KubeError("Retriable", "connection refused", { code: 0 }));
    port.dropWatches();
    await clock.advance(1599);
    expect(port.requestCount("watch")).toBe(2);
    await clock.advance(1);
    // This attempt is refused; the next waits twice as long again.
    expect(port.requestCount("watch")).toBe(3);
    expect(port.openWatches()).toBe(0);
    await clock.advance(3199);
    expect(port.requestCount("watch")).toBe(3);
    await clock.advance(1);
    expect(port.requestCount("watch")).toBe(4);
    expect(port.openWatches()).toBe(1);
    expect(port.requestCount("list")).toBe(1);
    await informer.stop();
  });

  it("resumes at once a watch the server served for a while before resetting it, and backs off anew", async () => {
    const { clock, port, informer } = setup();
    const { events, handler } = recorder();
    informer.addHandler(handler);
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    // Five healthy seconds, then the connection is reset (not a clean end of the stream).
    await clock.advance(5_000);
    port.dropWatches();
    await port.create(PODS, pod("while-resetting"));
    await flushMicrotasks();
    expect(port.requestCount("watch")).toBe(2);
    expect(events).toEqual(["add while-resetting"]);
    // A watch that fails at once is a failure again: the backoff starts from its first step.
    port.dropWatches();
    await clock.advance(799);
    expect(port.requestCount("watch")).toBe(2);
    await clock.advance(1);
    expect(port.requestCount("watch")).toBe(3);
    expect(port.requestCount("list")).toBe(1);
    await informer.stop();
  });

  it("relists after 410 Gone and emits deletes for objects that vanished meanwhile", async () => {
    const { clock, port, informer } = setup();
    await port.create(PODS, pod("stays"));
    await port.create(PODS, pod("vanishes"));
    const { events, handler } = recorder();
    informer.addHandler(handler);
    informer.start();
    await informer.synced;
    await flushMicrotasks();
    port.dropWatches();
    await port.delete(PODS, "vanishes", "ns");
    await port.create(PODS, pod("appears"));
    await port.mergePatch(PODS, "stays", { spec: { nodeName: "n9" } }, "ns");
    port.compactHistory();
    await clock.advance(800);
    expect(port.requestCount("list")).toBe(2);
    expect(events).toEqual(["add stays", "add vanishes", "delete vanishes", "add appears", "update stays"]);
    expect(informer.cache.keys().sort()).toEqual(["ns/appears", "ns/stays"]);
    expect(port.openWatches()).toBe(1);
    await informer.stop();
  });

  it("bookmarks move its resourceVersion, so a quiet informer resumes without relisting", async () => {
    const { clock, port, informer } = setup({ namespace: "ns" });
    informer.start();
    await informer.synced;
    await port.create(PODS, pod("elsewhere", "n1", "other"));
    port.sendBookmarks();
    await flushMicrotasks();
    port.compactHistory();
    port.dropWatches();
    await clock.advance(800);
    expect(port.requestCount("list")).toBe(1);
    expect(port.openWatches()).toBe(1);
    await informer.stop();
  });

  it("keeps delivering to other handlers and later events when a handler throws", async () => {
    const { port, informer } = setup();
    const { events, handler } = recorder();
    informer.addHandler({
      onAdd: () => {
        throw new Error("handler bug");
      },
    });
    informer.addHandler(handler);
    informer.start();
    await informer.synced;
    await port.create(PODS, pod("a"));
    await port.create(PODS, pod("b"));
    await flushMicrotasks();
    expect(events).toEqual(["add a", "add b"]);
    expect(port.openWatches()).toBe(1);
    await informer.stop();
  });

  it("retries the first list with backoff until it succeeds", async () => {
    const { clock, port, informer } = setup();
    port.failNext("list", new KubeError("Retriable", "apiserver down", { code: 503 }));
    informer.start();
    await clock.advance(799);
    expect(informer.hasSynced()).toBe(false);
    await clock.advance(1);
    await informer.synced;
    expect(port.requestCount("list")).toBe(2);
    await informer.stop();
  });
});

describe("Informer transform", () => {
  it("caches and hands to handlers the transformed object, from the list and from the watch", async () => {
    const { port, informer } = setup({ transform: (p) => ({ ...p, metadata: { ...p.metadata, labels: undefined } }) });
    await port.create(PODS, pod("a"));
    informer.start();
    await informer.synced;
    const seen: (Record<string, string> | undefined)[] = [];
    informer.addHandler({ onUpdate: (_old, p) => seen.push(p.metadata.labels) });
    await port.mergePatch(PODS, "a", { spec: { nodeName: "n2" } }, "ns");
    await flushMicrotasks();
    expect(informer.cache.get("ns/a")?.metadata.labels).toBeUndefined();
    expect(informer.cache.get("ns/a")?.spec.nodeName).toBe("n2");
    expect(seen).toEqual([undefined]);
    await informer.stop();
  });
});

describe("enqueueOnChange", () => {
  it("enqueues the mapped keys of both versions on update", () => {
    const added: string[] = [];
    const handler = enqueueOnChange<Pod>({ add: (key) => added.push(key) }, (p) => p.spec.nodeName);
    handler.onAdd?.(pod("a", "n1"));
    handler.onUpdate?.(pod("a", "n1"), pod("a", "n2"));
    handler.onDelete?.(pod("a", ""));
    expect(added).toEqual(["n1", "n1", "n2", ""]);
    const byKey: string[] = [];
    enqueueOnChange<Pod>({ add: (key) => byKey.push(key) }).onAdd?.(pod("a"));
    expect(byKey).toEqual(["ns/a"]);
  });

  it("skips updates the caller declares irrelevant, such as a change of resourceVersion only", () => {
    const byKey: string[] = [];
    const handler = enqueueOnChange<Pod>({ add: (key) => byKey.push(key) }, undefined, {
      skipUpdate: onlyResourceVersionChanged,
    });
    const at = (resourceVersion: string, nodeName = "n1"): Pod => ({
      ...pod("a", nodeName),
      metadata: { ...pod("a").metadata, resourceVersion },
    });
    handler.onUpdate?.(at("1"), at("2"));
    expect(byKey).toEqual([]);
    handler.onUpdate?.(at("2"), at("3", "n2"));
    expect(byKey).toEqual(["ns/a", "ns/a"]);
  });
});
