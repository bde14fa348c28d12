import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../../../src/sim/apiserver/errors.ts";
import { applyJsonPatch, mergePatch, strategicMerge } from "../../../../src/sim/apiserver/patch.ts";

describe("JSON merge patch (RFC 7386)", () => {
  it.each([
    [{ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }, { a: 1, b: { d: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: null }, {}],
    [{}, { a: { b: 1 } }, { a: { b: 1 } }],
  ])("%j + %j = %j", (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });
});

describe("JSON patch (RFC 6902)", () => {
  it("applies operations without touching the input", () => {
    const doc = { metadata: { finalizers: ["a", "b"] } };
    expect(applyJsonPatch(doc, [{ op: "remove", path: "/metadata/finalizers/0" }])).toEqual({
      metadata: { finalizers: ["b"] },
    });
    expect(doc.metadata.finalizers).toEqual(["a", "b"]);
  });

  it("answers 422 when a test operation fails", () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: "test", path: "/a", value: 2 }])).toThrow(ApiError);
  });
});

describe("strategic merge patch", () => {
  const pod = {
    metadata: { finalizers: ["x"], ownerReferences: [{ uid: "u1", name: "a" }] },
    spec: {
      containers: [
        { name: "a", image: "a:1", env: [{ name: "E", value: "1" }] },
        { name: "b", image: "b:1" },
      ],
      tolerations: [{ key: "t1" }],
    },
    status: {
      conditions: [
        { type: "Ready", status: "False" },
        { type: "Initialized", status: "True" },
      ],
    },
  };

  it("merges containers by name and conditions by type", () => {
    const out = strategicMerge(pod, {
      spec: {
        containers: [
          { name: "b", image: "b:2" },
          { name: "c", image: "c:1" },
        ],
      },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(["a=a:1", "b=b:2", "c=c:1"]);
    expect(out.status.conditions).toEqual([
      { type: "Ready", status: "True" },
      { type: "Initialized", status: "True" },
    ]);
  });

  it("replaces atomic lists such as tolerations (and taints)", () => {
    const out = strategicMerge(pod, { spec: { tolerations: [{ key: "t2" }] } }) as typeof pod;
    expect(out.spec.tolerations).toEqual([{ key: "t2" }]);
  });

  it("unions finalizers and honours $deleteFromPrimitiveList", () => {
    expect((strategicMerge(pod, { metadata: { finalizers: ["y"] } }) as typeof pod).metadata.finalizers).toEqual([
      "x",
      "y",
    ]);
    const removed = strategicMerge(pod, { metadata: { "$deleteFromPrimitiveList/finalizers": ["x"] } }) as typeof pod;
    expect(removed.metadata.finalizers).toEqual([]);
  });

  it("deletes list elements with $patch: delete and keys with null", () => {
    const out = strategicMerge(pod, {
      spec: { containers: [{ name: "a", $patch: "delete" }] },
      status: null,
    }) as Partial<typeof pod>;
    expect(out.spec?.containers.map((c) => c.name)).toEqual(["b"]);
    expect(out.status).toBeUndefined();
  });

  it("orders by $setElementOrder and strips directives from the result", () => {
    const out = strategicMerge(pod, {
      spec: {
        "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
        containers: [{ name: "a", image: "a:2" }],
      },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(["b", "a"]);
    expect(JSON.stringify(out)).not.toContain("$setElementOrder");
  });

  it("keeps only $retainKeys", () => {
    const out = strategicMerge(
      { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } },
      { strategy: { $retainKeys: ["type"], type: "Recreate" } },
    );
    expect(out).toEqual({ strategy: { type: "Recreate" } });
  });

  it("replaces a whole map with $patch: replace", () => {
    expect(strategicMerge({ a: { b: 1, c: 2 } }, { a: { $patch: "replace", d: 3 } })).toEqual({ a: { d: 3 } });
  });
});
