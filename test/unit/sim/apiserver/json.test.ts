import { describe, expect, it } from "@jest/globals";
import { clone } from "../../../../src/sim/apiserver/json.ts";

describe("clone", () => {
  it("copies JSON data deeply, equal to the original and sharing nothing with it", () => {
    const original = {
      metadata: { name: "n", labels: { a: "1" }, finalizers: ["f"] },
      status: { conditions: [{ type: "Ready", status: "True" }], capacity: { cpu: 4 } },
      flags: [true, false, null, 0, ""],
      gone: undefined,
    };
    const copy = clone(original);
    expect(copy).toStrictEqual(original);
    expect(copy).toStrictEqual(structuredClone(original));
    copy.metadata.labels.a = "2";
    copy.status.conditions[0] = { type: "Ready", status: "False" };
    copy.flags.push(true);
    expect(original.metadata.labels.a).toBe("1");
    expect(original.status.conditions[0]?.status).toBe("True");
    expect(original.flags).toHaveLength(5);
  });

  it('keeps a "__proto__" key of parsed JSON as a property, not as the prototype', () => {
    const parsed = JSON.parse('{"metadata":{"annotations":{"__proto__":{"polluted":"yes"}}}}') as {
      metadata: { annotations: Record<string, unknown> };
    };
    const copy = clone(parsed);
    expect(Object.getPrototypeOf(copy.metadata.annotations)).toBe(Object.prototype);
    expect(Object.keys(copy.metadata.annotations)).toEqual(["__proto__"]);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });
});
