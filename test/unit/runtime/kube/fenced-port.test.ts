import { describe, expect, it } from "@jest/globals";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { FencedError, fencedPort } from "../../../../src/runtime/kube/fenced-port.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";

const CONFIG_MAP: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };
const POD: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const object = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ops" } });

describe("fencedPort", () => {
  it("passes reads always and writes only while the fence allows them, asking at each call", async () => {
    const port = new MemoryKubePort({ clock: new FakeClock() });
    await port.create(CONFIG_MAP, object("kept"));
    await port.create(POD, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ops" } });
    const state: { refusal?: string } = {};
    const fenced = fencedPort(port, { refusal: () => state.refusal });
    await fenced.create(CONFIG_MAP, object("allowed"));

    state.refusal = "not leading";
    const kept = await fenced.get(CONFIG_MAP, "kept", "ops");
    expect(kept?.metadata.name).toBe("kept");
    expect((await fenced.list(CONFIG_MAP)).items).toHaveLength(2);
    const refused = [
      fenced.create(CONFIG_MAP, object("refused")),
      fenced.replace(CONFIG_MAP, kept!),
      fenced.apply(CONFIG_MAP, object("kept")),
      fenced.mergePatch(CONFIG_MAP, "kept", { data: { a: "b" } }, "ops"),
      fenced.patchStatus(CONFIG_MAP, "kept", {}, "ops"),
      fenced.delete(CONFIG_MAP, "kept", "ops"),
      fenced.evict("p", "ops"),
    ];
    for (const call of refused) await expect(call).rejects.toBeInstanceOf(FencedError);
    await expect(fenced.delete(CONFIG_MAP, "kept", "ops")).rejects.toMatchObject({
      errorClass: "Retriable",
      details: { reason: "Fenced" },
    });
    expect((await port.list(CONFIG_MAP)).items.map((item) => item.metadata.name).sort()).toEqual(["allowed", "kept"]);
    expect(await port.get(POD, "p", "ops")).toBeDefined();
  });
});
