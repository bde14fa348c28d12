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
    const created = await port.create<Thing>(TYPE, {
      apiVersion: "example.io/v1",
      kind: "Thing",
      metadata: { name: "t" },
      status: { phase: "A", message: "m" },
    });
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

  it("a status computed from an older object gets a 409 and is not written: the newer one stays", async () => {
    const port = new MemoryKubePort();
    const seen = await port.create<Thing>(TYPE, {
      apiVersion: "example.io/v1",
      kind: "Thing",
      metadata: { name: "t" },
      status: { phase: "A" },
    });
    // Someone (our previous round) wrote a newer status the cache has not seen yet.
    await port.patchStatus(TYPE, "t", { phase: "C", nodes: ["n1"] });
    await expect(writeStatusIfChanged(port, TYPE, seen, { phase: "B" })).rejects.toMatchObject({
      errorClass: "Conflict",
    });
    expect((await port.get<Thing>(TYPE, "t"))?.status).toEqual({ phase: "C", nodes: ["n1"] });
  });

  it("on a 409 caused by metadata alone, re-reads and writes at the fresh resourceVersion", async () => {
    const port = new MemoryKubePort();
    const seen = await port.create<Thing>(TYPE, {
      apiVersion: "example.io/v1",
      kind: "Thing",
      metadata: { name: "t" },
      status: { phase: "A" },
    });
    await port.mergePatch(TYPE, "t", { metadata: { finalizers: ["example.io/keep"] } });
    expect(await writeStatusIfChanged(port, TYPE, seen, { phase: "B" })).toBe(true);
    expect((await port.get<Thing>(TYPE, "t"))?.status).toEqual({ phase: "B" });
    expect(port.requestCount("patchStatus")).toBe(2);
  });

  it("on a 409 after a spec change, leaves the status to a recompute", async () => {
    const port = new MemoryKubePort();
    const seen = await port.create<Thing>(TYPE, {
      apiVersion: "example.io/v1",
      kind: "Thing",
      metadata: { name: "t" },
      status: { phase: "A" },
    });
    await port.mergePatch(TYPE, "t", { spec: { replicas: 2 } });
    await expect(writeStatusIfChanged(port, TYPE, seen, { phase: "B" })).rejects.toMatchObject({
      errorClass: "Conflict",
    });
    expect((await port.get<Thing>(TYPE, "t"))?.status).toEqual({ phase: "A" });
  });
});
