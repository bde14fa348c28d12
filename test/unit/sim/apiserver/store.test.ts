import { describe, expect, it } from "@jest/globals";
import { ObjectStore, type ChangeEvent } from "../../../../src/sim/apiserver/store.ts";

const obj = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}`, ...extra },
});

describe("ObjectStore", () => {
  it("assigns one global monotonic resourceVersion across resources", () => {
    const store = new ObjectStore();
    const a = store.write("/pods", obj("a"));
    const b = store.write("/configmaps", obj("b"));
    expect(Number((b.metadata as { resourceVersion: string }).resourceVersion)).toBe(
      Number((a.metadata as { resourceVersion: string }).resourceVersion) + 1,
    );
    expect(store.currentRevision()).toBe(Number((b.metadata as { resourceVersion: string }).resourceVersion));
  });

  it("hands out copies, never its own objects", () => {
    const store = new ObjectStore();
    store.write("/pods", obj("a"));
    const got = store.get("/pods", "ns", "a");
    (got?.metadata as Record<string, unknown>).name = "changed";
    expect(store.get("/pods", "ns", "a")?.metadata).toMatchObject({ name: "a" });
  });

  it("lists by node from an index that follows binds, moves and deletes, in list order", () => {
    const store = new ObjectStore();
    const pod = (name: string, nodeName?: string, namespace = "ns"): Record<string, unknown> => ({
      metadata: { name, namespace, uid: `uid-${namespace}-${name}` },
      spec: nodeName === undefined ? {} : { nodeName },
    });
    store.write("/pods", pod("b", "n1"));
    store.write("/pods", pod("a", "n1"));
    store.write("/pods", pod("a", "n1", "other"));
    store.write("/pods", pod("c", "n2"));
    store.write("/pods", pod("pending"));
    const keyOf = (o: Record<string, unknown>): string => {
      const { namespace, name } = o.metadata as { namespace: string; name: string };
      return `${namespace}/${name}`;
    };
    const names = (node: string, namespace?: string): string[] => store.viewOnNode("/pods", namespace, node).map(keyOf);
    expect(names("n1")).toEqual(["ns/a", "ns/b", "other/a"]);
    expect(names("n1", "ns")).toEqual(["ns/a", "ns/b"]);
    const scanned = store.view("/pods").filter((o) => (o.spec as { nodeName?: string }).nodeName === "n1");
    expect(store.viewOnNode("/pods", undefined, "n1")).toEqual(scanned);
    store.write("/pods", pod("b", "n2"));
    store.remove("/pods", "other", "a");
    store.write("/pods", pod("pending", "n2"));
    expect(names("n1")).toEqual(["ns/a"]);
    expect(names("n2")).toEqual(["ns/b", "ns/c", "ns/pending"]);
    expect(store.viewOnNode("/configmaps", undefined, "n2")).toEqual([]);
  });

  it("replays events after a revision and reports expiry once history is trimmed", () => {
    const store = new ObjectStore(2);
    const start = store.currentRevision();
    store.write("/pods", obj("a"));
    store.write("/pods", obj("a"));
    store.remove("/pods", "ns", "a");
    expect(store.eventsAfter("/pods", start)).toBeUndefined();
    const recent = store.eventsAfter("/pods", start + 1);
    expect(recent?.map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
    store.compact();
    expect(store.eventsAfter("/pods", start + 2)).toBeUndefined();
    expect(store.eventsAfter("/pods", store.currentRevision())).toEqual([]);
  });

  it("notifies subscribers and indexes owners and uids", () => {
    const store = new ObjectStore();
    const seen: ChangeEvent[] = [];
    const stop = store.subscribe("/pods", (e) => seen.push(e));
    store.write(
      "/pods",
      obj("child", { ownerReferences: [{ uid: "uid-owner", kind: "Job", name: "owner", apiVersion: "batch/v1" }] }),
    );
    expect(store.dependentsOf("uid-owner")).toEqual([{ resource: "/pods", namespace: "ns", name: "child" }]);
    expect(store.addressOfUid("uid-child")?.name).toBe("child");
    store.remove("/pods", "ns", "child");
    expect(store.dependentsOf("uid-owner")).toEqual([]);
    stop();
    store.write("/pods", obj("later"));
    expect(seen.map((e) => e.type)).toEqual(["ADDED", "DELETED"]);
  });
});
