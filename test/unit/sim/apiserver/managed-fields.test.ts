import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { deepEqual, type JsonObject } from "../../../../src/sim/apiserver/json.ts";
import { changedPaths, leafPaths, valueAt } from "../../../../src/sim/apiserver/managed-fields.ts";
import { builtinResources } from "../../../../src/sim/apiserver/resources.ts";

const pods = builtinResources().find((def) => def.plural === "pods");
if (!pods) throw new Error("no pods resource");

/** The definition `changedPaths` keeps to: every leaf path of `after` absent from `before` or valued otherwise. */
function changedByDefinition(before: JsonObject | undefined, after: JsonObject): string[] {
  const old = new Map((before ? leafPaths(pods!, before) : []).map((path) => [path, valueAt(before, path)]));
  return leafPaths(pods!, after).filter((path) => !old.has(path) || !deepEqual(old.get(path), valueAt(after, path)));
}

// Small value spaces, so two objects share most of their paths and differ in a few; repeated
// names (a keyed list with one key twice) come up too.
const name = fc.constantFrom("a", "b", "c");
const container = fc.record(
  {
    name,
    image: fc.constantFrom("x:1", "x:2"),
    env: fc.array(fc.record({ name, value: fc.constantFrom("1", "2") }), { maxLength: 2 }),
    ports: fc.array(fc.record({ containerPort: fc.constantFrom(80, 443) }), { maxLength: 2 }),
    args: fc.array(fc.constantFrom("--a", "--b"), { maxLength: 2 }),
  },
  { requiredKeys: ["name"] },
);
const pod = fc.record(
  {
    apiVersion: fc.constant("v1"),
    kind: fc.constant("Pod"),
    metadata: fc.record(
      {
        name: fc.constant("p"),
        uid: fc.constantFrom("u1", "u2"),
        labels: fc.dictionary(name, fc.constantFrom("1", "2"), { maxKeys: 2 }),
        annotations: fc.oneof(fc.constant({}), fc.dictionary(name, fc.constantFrom("x", "y"), { maxKeys: 2 })),
      },
      { requiredKeys: ["name"] },
    ),
    spec: fc.record(
      { nodeName: fc.constantFrom("n1", "n2"), containers: fc.array(container, { maxLength: 3 }) },
      {
        requiredKeys: [],
      },
    ),
    status: fc.record(
      {
        phase: fc.constantFrom("Pending", "Running"),
        conditions: fc.oneof(
          fc.array(fc.record({ type: name, status: fc.constantFrom("True", "False") }), { maxLength: 3 }),
          fc.constant("not a list"),
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["apiVersion", "kind", "metadata"] },
) as fc.Arbitrary<JsonObject>;

describe("changedPaths", () => {
  it("gives what its definition gives, path for path and in order", () => {
    fc.assert(
      fc.property(fc.option(pod, { nil: undefined }), pod, (before, after) => {
        expect(changedPaths(pods, before, after)).toEqual(changedByDefinition(before, after));
      }),
      { numRuns: 2000 },
    );
  });

  it("names a changed element by its merge key and an unchanged object not at all", () => {
    const twoContainers = (imageOfB: string): JsonObject => ({
      metadata: { name: "p", labels: { a: "1" } },
      spec: {
        containers: [
          { name: "a", image: "x:1" },
          { name: "b", image: imageOfB },
        ],
      },
    });
    const before = twoContainers("x:1");
    const after = twoContainers("x:2");
    expect(changedPaths(pods, before, after)).toEqual(['f:spec\u001ff:containers\u001fk:{"name":"b"}\u001ff:image']);
    expect(changedPaths(pods, after, after)).toEqual([]);
  });
});
