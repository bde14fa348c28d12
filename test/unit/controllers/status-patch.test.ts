import { describe, expect, it } from "@jest/globals";
import { mergePatchBetween } from "../../../src/controllers/status.ts";

describe("mergePatchBetween: the merge patch from the stored status to the next one", () => {
  const cases: [string, object, object, object][] = [
    ["a vanished top-level field is nulled", { a: 1, b: 2 }, { a: 1 }, { a: 1, b: null }],
    [
      "a vanished nested field is nulled (merge patch merges objects key by key)",
      { tierSoak: { tier: "etcd", healthySince: "t", passed: true } },
      { tierSoak: { tier: "control-plane", healthySince: "u" } },
      { tierSoak: { tier: "control-plane", healthySince: "u", passed: null } },
    ],
    ["lists are replaced whole", { nodes: [{ a: 1 }] }, { nodes: [{ b: 2 }] }, { nodes: [{ b: 2 }] }],
    ["an object replaced by a scalar", { x: { y: 1 } }, { x: 2 }, { x: 2 }],
  ];
  it.each(cases)("%s", (_name, current, next, patch) => {
    expect(mergePatchBetween(current, next)).toEqual(patch);
  });
});
