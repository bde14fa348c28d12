import { describe, expect, it } from "@jest/globals";
import { jsonEqual, writeStatusIfChanged } from "../../../src/controllers/status.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const TYPE: ResourceType = { apiVersion: "example.io/v1", kind: "Thing", plural: "things", namespaced: false };
type Thing = KubeObject & { status?: { phase?: string; nodes?: string[]; message?: string } };

describe("jsonEqual", () => {
  it.each([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: undefined }, true],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: { b: "x" } }, { a: { b: "y" } }, false],
    [[], {}, false],
    [null, {}, false],
  ])("%j vs %j", (a, b, equal) => {
    expect(jsonEqual(a, b)).toBe(equal);
  });
});

describe("writeStatusIfChanged", () => {
  it("writes only changes and removes fields that vanished", async () => {
    const port = new MemoryKubePort();
    const created = await port.create<Thing>(TYPE, { apiVersion: "example.io/v1", kind: "Thing", metadata: { name: "t" }, status: { phase: "A", message: "m" } });
    expect(await writeStatusIfChanged(port, TYPE, created, { message: "m", phase: "A" })).toBe(false);
    expect(port.requestCount("patchStatus")).toBe(0);
    expect(await writeStatusIfChanged(port, TYPE, created, { phase: "B" })).toBe(true);
    const after = await port.get<Thing>(TYPE, "t");
    expect(after?.status).toEqual({ phase: "B" });
  });

  it("treats a deleted object as nothing to write", async () => {
    const port = new MemoryKubePort();
    const ghost: Thing = { apiVersion: "example.io/v1", kind: "Thing", metadata: { name: "gone" }, status: {} };
    expect(await writeStatusIfChanged(port, TYPE, ghost, { phase: "B" })).toBe(false);
  });
});
