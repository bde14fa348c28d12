import { describe, expect, it } from "@jest/globals";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubeObject, ResourceType, WatchEvent } from "../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

interface Pod extends KubeObject {
  spec: { nodeName?: string; image?: string };
  status?: { phase?: string };
}

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

function pod(name: string, labels: Record<string, string> = {}, nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "ns", labels },
    spec: nodeName ? { nodeName } : {},
  };
}

function errorClassOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => "resolved",
    (err: unknown) => (err instanceof KubeError ? err.errorClass : "not a KubeError"),
  );
}

describe("MemoryKubePort", () => {
  it("creates with uid, generation 1, a growing global resourceVersion; AlreadyExists on a second create", async () => {
    const port = new MemoryKubePort({ clock: new FakeClock() });
    const a = await port.create(PODS, pod("a"));
    const n = await port.create<KubeObject>(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
    expect(a.metadata.uid).toBeTruthy();
    expect(a.metadata.generation).toBe(1);
    expect(a.metadata.creationTimestamp).toBe("2026-01-01T00:00:00Z");
    expect(Number(n.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(await errorClassOf(port.create(PODS, pod("a")))).toBe("AlreadyExists");
    expect(await port.get(PODS, "a", "other")).toBeUndefined();
    expect((await port.get<Pod>(PODS, "a", "ns"))?.metadata.uid).toBe(a.metadata.uid);
  });

  it("replace needs the current resourceVersion and bumps generation only on spec changes", async () => {
    const port = new MemoryKubePort();
    const a = await port.create<Pod>(PODS, pod("a"));
    const labelled = await port.replace<Pod>(PODS, { ...a, metadata: { ...a.metadata, labels: { x: "1" } } });
    expect(labelled.metadata.generation).toBe(1);
    expect(await errorClassOf(port.replace(PODS, { ...a, spec: { image: "v2" } }))).toBe("Conflict");
    const changed = await port.replace<Pod>(PODS, { ...labelled, spec: { image: "v2" }, status: { phase: "Ignored" } });
    expect(changed.metadata.generation).toBe(2);
    expect(changed.status).toBeUndefined();
    expect(
      await errorClassOf(port.replace(PODS, { ...changed, metadata: { ...changed.metadata, resourceVersion: "" } })),
    ).toBe("Invalid");
  });

  it("merge patch, status patch and a no-op write", async () => {
    const port = new MemoryKubePort();
    await port.create(PODS, pod("a", { keep: "1", drop: "1" }));
    const patched = await port.mergePatch<Pod>(
      PODS,
      "a",
      { metadata: { labels: { drop: null } }, spec: { image: "v2" } },
      "ns",
    );
    expect(patched.metadata.labels).toEqual({ keep: "1" });
    expect(patched.metadata.generation).toBe(2);
    const withStatus = await port.patchStatus<Pod>(PODS, "a", { phase: "Running" }, "ns");
    expect(withStatus.status).toEqual({ phase: "Running" });
    expect(withStatus.metadata.generation).toBe(2);
    const same = await port.mergePatch<Pod>(PODS, "a", { spec: { image: "v2" } }, "ns");
    expect(same.metadata.resourceVersion).toBe(withStatus.metadata.resourceVersion);
    expect(await errorClassOf(port.mergePatch(PODS, "a", { metadata: { resourceVersion: "1" } }, "ns"))).toBe(
      "Conflict",
    );
    expect(await errorClassOf(port.mergePatch(PODS, "missing", {}, "ns"))).toBe("NotFound");
  });

  it("apply creates, then merges", async () => {
    const port = new MemoryKubePort();
    await port.apply(PODS, pod("a", { x: "1" }));
    const merged = await port.apply<Pod>(PODS, { ...pod("a", { y: "2" }), spec: { image: "v3" } });
    expect(merged.metadata.labels).toEqual({ x: "1", y: "2" });
    expect(merged.spec.image).toBe("v3");
  });

  it("lists by namespace, label selector and field selector; rejects unknown fields", async () => {
    const port = new MemoryKubePort();
    await port.create(PODS, pod("a", { app: "web", tier: "1" }, "n1"));
    await port.create(PODS, pod("b", { app: "db" }, "n2"));
    await port.create(PODS, {
      ...pod("c", { app: "web" }, "n1"),
      metadata: { name: "c", namespace: "other", labels: { app: "web" } },
    });
    const names = async (options: Parameters<MemoryKubePort["list"]>[1]) =>
      (await port.list(PODS, options)).items.map((p) => p.metadata.name);
    expect(await names({})).toEqual(["a", "b", "c"]);
    expect(await names({ namespace: "ns" })).toEqual(["a", "b"]);
    expect(await names({ labelSelector: "app=web" })).toEqual(["a", "c"]);
    expect(await names({ labelSelector: "app in (web,db),!tier" })).toEqual(["b", "c"]);
    expect(await names({ fieldSelector: "spec.nodeName=n1,metadata.namespace=ns" })).toEqual(["a"]);
    expect(await names({ fieldSelector: "metadata.name!=a" })).toEqual(["b", "c"]);
    expect(await errorClassOf(port.list(PODS, { fieldSelector: "spec.image=x" }))).toBe("BadRequest");
  });

  it("deletes at once, or marks deleting while finalizers remain", async () => {
    const port = new MemoryKubePort();
    await port.create(PODS, { ...pod("a"), metadata: { name: "a", namespace: "ns", finalizers: ["f"] } });
    await port.delete(PODS, "a", "ns");
    expect((await port.get(PODS, "a", "ns"))?.metadata.deletionTimestamp).toBeTruthy();
    await port.mergePatch(PODS, "a", { metadata: { finalizers: null } }, "ns");
    expect(await port.get(PODS, "a", "ns")).toBeUndefined();
    await port.create(PODS, pod("b"));
    await port.evict("b", "ns");
    expect(await port.get(PODS, "b", "ns")).toBeUndefined();
    expect(await errorClassOf(port.delete(PODS, "b", "ns"))).toBe("NotFound");
  });

  it("watches replay from a resourceVersion in order, follow selectors, and send bookmarks", async () => {
    const port = new MemoryKubePort();
    const { resourceVersion } = await port.list(PODS);
    await port.create(PODS, pod("a", { app: "web" }));
    await port.create(PODS, pod("b", { app: "db" }));
    const events: string[] = [];
    const record = (e: WatchEvent<Pod>) => events.push(`${e.type} ${e.object.metadata.name}`);
    await port.watch(PODS, { resourceVersion, labelSelector: "app=web", allowWatchBookmarks: true }, record);
    await port.mergePatch(PODS, "b", { metadata: { labels: { app: "web" } } }, "ns");
    await port.mergePatch(PODS, "a", { metadata: { labels: { app: "db" } } }, "ns");
    await port.delete(PODS, "b", "ns");
    port.sendBookmarks();
    await flushMicrotasks();
    expect(events).toEqual(["ADDED a", "ADDED b", "DELETED a", "DELETED b", "BOOKMARK "]);
  });

  it("ends a watch from a compacted resourceVersion with Gone, and dropWatches ends open ones", async () => {
    const port = new MemoryKubePort({ historyLimit: 2 });
    await port.create(PODS, pod("first"));
    const { resourceVersion } = await port.list(PODS);
    for (const name of ["a", "b", "c"]) await port.create(PODS, pod(name));
    const stale = await port.watch(PODS, { resourceVersion }, () => undefined);
    const ended = await stale.done;
    expect(ended instanceof KubeError ? ended.errorClass : ended).toBe("Gone");
    const live = await port.watch(PODS, { resourceVersion: port.latestResourceVersion() }, () => undefined);
    expect(port.openWatches()).toBe(1);
    port.dropWatches();
    expect(await live.done).toBeInstanceOf(KubeError);
    expect(port.openWatches()).toBe(0);
  });

  it("injects failures per verb and counts requests", async () => {
    const port = new MemoryKubePort();
    port.failNext("get", new KubeError("Retriable", "boom", { code: 500 }));
    expect(await errorClassOf(port.get(PODS, "a", "ns"))).toBe("Retriable");
    expect(await port.get(PODS, "a", "ns")).toBeUndefined();
    await port.list(NODES);
    expect(port.requestCount("get")).toBe(2);
    expect(port.requestCount(undefined, "nodes")).toBe(1);
    expect(port.requestCount()).toBe(3);
  });
});
