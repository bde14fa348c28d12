import { describe, expect, it } from "@jest/globals";
import { RecentWrites, resourceVersionAtLeast, StoreWithOwnWrites } from "../../../src/rollout/fresh.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import type { ResourceEventHandler } from "../../../src/runtime/informer.ts";
import type { KubeObject } from "../../../src/runtime/kube/types.ts";
import { Store } from "../../../src/runtime/store.ts";

const obj = (rv: string, note: string): KubeObject & { note: string } => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n", resourceVersion: rv },
  note,
});

describe("RecentWrites", () => {
  it("prefers our write until the cache catches up, then the cache", () => {
    const writes = new RecentWrites<ReturnType<typeof obj>>(new FakeClock());
    writes.record(obj("12", "ours"));
    expect(writes.resolve(obj("10", "stale"), "n")?.note).toBe("ours");
    expect(writes.resolve(obj("13", "newer"), "n")?.note).toBe("newer");
    expect(writes.size).toBe(0);
  });

  it("forgets entries when the informer delivers the write, or after the TTL", async () => {
    const clock = new FakeClock();
    const writes = new RecentWrites<ReturnType<typeof obj>>(clock, 1000);
    writes.record(obj("12", "ours"));
    writes.handler().onUpdate?.(obj("11", "x"), obj("12", "ours"));
    expect(writes.size).toBe(0);
    writes.record(obj("20", "ours"));
    await clock.advance(1001);
    expect(writes.resolve(obj("15", "cache"), "n")?.note).toBe("cache");
  });

  it("compares integer resourceVersions numerically and others only for equality", () => {
    expect(resourceVersionAtLeast("100", "99")).toBe(true);
    expect(resourceVersionAtLeast("99", "100")).toBe(false);
    expect(resourceVersionAtLeast("abc", "abd")).toBe(false);
    expect(resourceVersionAtLeast("abc", "abc")).toBe(true);
    expect(resourceVersionAtLeast(undefined, "1")).toBe(false);
  });
});

describe("StoreWithOwnWrites", () => {
  type Obj = ReturnType<typeof obj>;
  const informerOf = (
    cache: Store<Obj>,
  ): { cache: Store<Obj>; handlers: ResourceEventHandler<Obj>[] } & {
    addHandler(handler: ResourceEventHandler<Obj>): void;
  } => {
    const handlers: ResourceEventHandler<Obj>[] = [];
    return { cache, handlers, addHandler: (handler) => handlers.push(handler) };
  };

  it("serves our last write over a cache that has not seen it, until the watch delivers it", () => {
    const cache = new Store<Obj>();
    cache.upsert(obj("10", "cached"));
    const informer = informerOf(cache);
    const store = new StoreWithOwnWrites(informer, new FakeClock());
    expect(store.get("n")?.note).toBe("cached");
    store.record(obj("11", "our status write"));
    expect(store.get("n")?.note).toBe("our status write");
    expect(store.list().map((o) => o.note)).toEqual(["our status write"]);
    cache.upsert(obj("12", "someone else's later write"));
    informer.handlers.forEach((h) => h.onUpdate?.(obj("10", "cached"), obj("12", "someone else's later write")));
    expect(store.get("n")?.note).toBe("someone else's later write");
    expect(store.keys()).toEqual(["n"]);
    expect(store.size).toBe(1);
  });

  it("forgets a write of an object the watch says is deleted", () => {
    const cache = new Store<Obj>();
    const informer = informerOf(cache);
    const store = new StoreWithOwnWrites(informer, new FakeClock());
    store.record(obj("11", "ours"));
    informer.handlers.forEach((h) => h.onDelete?.(obj("11", "ours")));
    expect(store.get("n")).toBeUndefined();
  });
});
