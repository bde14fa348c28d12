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
