import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { http } from "../runtime/node-http.ts";
import type { Logger } from "./logger.ts";

export interface HealthServerOptions {
  port: number;
  /** Interface to bind; all interfaces when omitted. */
  host?: string;
  registry: Registry;
  /** Ready to do work: caches synced (and, for the leader, controllers started). */
  readiness: () => { ready: boolean; reason?: string };
  /** Alive: the process loop still makes progress. Defaults to always alive (answering proves the event loop runs). */
  liveness?: () => { alive: boolean; reason?: string };
  log: Logger;
}

export interface HealthServer {
  /** The bound port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Serves /healthz (liveness), /readyz (readiness) and /metrics (Prometheus text format) on one
 * port, so the Deployment's probes and the ServiceMonitor share a single container port.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { registry, readiness, log } = options;
  const liveness = options.liveness ?? (() => ({ alive: true }));

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      reply(res, 405, "method not allowed\n", { Allow: "GET, HEAD" });
      return;
    }
    switch (path) {
      case "/healthz":
      case "/livez": {
        const live: { alive: boolean; reason?: string } = liveness();
        reply(res, live.alive ? 200 : 503, live.alive ? "ok\n" : `not alive: ${live.reason ?? "unknown"}\n`);
        return;
      }
      case "/readyz": {
        const ready = readiness();
        reply(res, ready.ready ? 200 : 503, ready.ready ? "ok\n" : `not ready: ${ready.reason ?? "unknown"}\n`);
        return;
      }
      case "/metrics": {
        const text = await registry.metrics();
        reply(res, 200, text, { "Content-Type": registry.contentType });
        return;
      }
      default:
        reply(res, 404, "not found\n");
    }
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, "health server request failed");
      if (!res.headersSent) reply(res, 500, "internal error\n");
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host }, "health and metrics server listening");

  return {
    port,
    close() {
      return new Promise((resolve, reject) => {
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
        // Probes and scrapes use keep-alive; idle sockets would otherwise hold close() open.
        server.closeIdleConnections();
      });
    },
  };
}

function reply(res: ServerResponse, code: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
