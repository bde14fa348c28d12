import { describe, expect, it } from "@jest/globals";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { FencedError, fencedPort, WritesInFlight } from "../../../../src/runtime/kube/fenced-port.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";
import { waitFor } from "../../../support/sim-harness.ts";
import { startTestApiServer } from "./test-api-server.ts";

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

describe("the fence in the HTTP transport", () => {
  it("sends no write once the fence closes, and names the writes that left before it closed", async () => {
    const held: (() => void)[] = [];
    const server = await startTestApiServer((request, response) => {
      const answer = (): void => {
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(JSON.stringify(object("kept")));
      };
      if (request.method === "GET") answer();
      else held.push(answer);
    });
    try {
      const state: { refusal?: string } = {};
      const fence = { refusal: () => state.refusal };
      const late: [string, number][] = [];
      const writesInFlight = new WritesInFlight(fence, (write, code) => late.push([write, code]));
      const port = createKubePort(server.connection(), { fence, writesInFlight });

      const patched = port.mergePatch(CONFIG_MAP, "kept", { data: { a: "b" } }, "ops");
      await waitFor(() => held.length === 1, { what: "the patch to reach the server" });
      expect(writesInFlight.unanswered()).toEqual(["PATCH /api/v1/namespaces/ops/configmaps/kept"]);

      state.refusal = "lease lost";
      await expect(port.create(CONFIG_MAP, object("refused"))).rejects.toBeInstanceOf(FencedError);
      expect(await port.get(CONFIG_MAP, "kept", "ops")).toBeDefined();
      held[0]?.();
      await patched;
      expect(late).toEqual([["PATCH /api/v1/namespaces/ops/configmaps/kept", 200]]);
      expect(writesInFlight.unanswered()).toEqual([]);
      expect(server.requests.map((r) => r.method)).toEqual(["PATCH", "GET"]);
    } finally {
      await server.close();
    }
  });

  it("reports nothing for a write answered while the fence is open", () => {
    const late: string[] = [];
    const writesInFlight = new WritesInFlight({ refusal: () => undefined }, (write) => late.push(write));
    writesInFlight.admit("POST /api/v1/namespaces/ops/events")(201);
    expect([late, writesInFlight.unanswered()]).toEqual([[], []]);
  });
});
