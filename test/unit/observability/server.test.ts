import { afterEach, describe, expect, it } from "@jest/globals";
import { request } from "node:http";
import { silentLogger } from "../../../src/observability/logger.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { startHealthServer, type HealthServer } from "../../../src/observability/server.ts";

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function get(port: number, path: string, method = "GET"): Promise<{ code: number; type: string; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { code: response.status, type: response.headers.get("content-type") ?? "", body: await response.text() };
}

describe("startHealthServer", () => {
  it("answers /healthz, /readyz by the readiness callback, /metrics, and 404 elsewhere", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    metrics.leader.set(1);
    let readiness: { ready: boolean; reason?: string } = { ready: false, reason: "caches not synced" };
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      registry: metrics.registry,
      readiness: () => readiness,
      log: silentLogger(),
    });
    expect(await get(server.port, "/healthz")).toMatchObject({ code: 200, body: "ok\n" });
    expect(await get(server.port, "/readyz")).toMatchObject({ code: 503, body: "not ready: caches not synced\n" });
    readiness = { ready: true };
    expect(await get(server.port, "/readyz")).toMatchObject({ code: 200 });
    const scraped = await get(server.port, "/metrics");
    expect(scraped.code).toBe(200);
    expect(scraped.type).toBe(metrics.registry.contentType);
    expect(scraped.body).toContain("rke2_lifecycle_leader 1");
    expect(await get(server.port, "/nope")).toMatchObject({ code: 404 });
    expect(await get(server.port, "/metrics", "POST")).toMatchObject({ code: 405 });
  });

  it("reports a failed liveness check as 503 with its reason", async () => {
    server = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true }),
      liveness: () => ({ alive: false, reason: "reconcile loop stalled" }),
      log: silentLogger(),
    });
    expect(await get(server.port, "/healthz")).toMatchObject({
      code: 503,
      body: "not alive: reconcile loop stalled\n",
    });
  });

  it("close() stops listening even with a keep-alive connection open", async () => {
    const started = await startHealthServer({
      port: 0,
      host: "127.0.0.1",
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true }),
      log: silentLogger(),
    });
    await new Promise<void>((resolve) => {
      request(
        { port: started.port, host: "127.0.0.1", path: "/healthz", headers: { Connection: "keep-alive" } },
        (res) => {
          res.resume();
          res.on("end", resolve);
        },
      ).end();
    });
    await started.close();
    await expect(get(started.port, "/healthz")).rejects.toThrow();
  });

  it("rejects when the port is taken", async () => {
    const options = {
      host: "127.0.0.1",
      registry: createMetrics({ defaultMetrics: false }).registry,
      readiness: () => ({ ready: true }),
      log: silentLogger(),
    };
    server = await startHealthServer({ ...options, port: 0 });
    await expect(startHealthServer({ ...options, port: server.port })).rejects.toThrow(/EADDRINUSE/);
  });
});
