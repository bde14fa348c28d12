/**
 * The real lane's fault injection: a loopback HTTP proxy in front of a real kube-apiserver that
 * applies the simulated API server's fault knobs (`FaultConfig`) to the requests going through it.
 * The operator's kubeconfig points at the proxy; the proxy authenticates upstream as the operator
 * (its kubeconfig's token and CA, through the project's own transport), so RBAC still applies.
 *
 * Every answer the client sees comes from the real server, except the injected ones: a 500 or 429
 * instead of a forwarded request, a watch stream ended or reset after `dropWatchEverySeconds`, a
 * watch stream's bytes held back `watchDelayMs` (in order), and a resumed watch answered with the
 * ERROR event a real kube-apiserver sends for a too-old resourceVersion (its watch cache:
 * apiserver `pkg/storage/cacher`, "too old resource version", reason Expired, code 410).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFile } from "node:fs/promises";
import type { HttpMethod } from "../../src/runtime/kube/http.ts";
import { loadKubeConnection } from "../../src/runtime/kube/kubeconfig.ts";
import { noFaults, pickFault, RequestAccounting, type FaultConfig } from "../../src/sim/apiserver/faults.ts";
import { systemClock, type Clock } from "../../src/runtime/clock.ts";
import { apiRequestOf } from "./request-log.ts";

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "host",
  "authorization",
  "content-length",
]);

export class FaultProxy {
  /** Mutable, as the simulated server's: change fields at any time. */
  readonly faults: FaultConfig = noFaults();
  /** Requests through the proxy, by verb, resource and client (the User-Agent's product name). */
  readonly requests = new RequestAccounting();
  private readonly server: Server;
  private readonly streams = new Set<ServerResponse>();

  private readonly clock: Clock;

  private constructor(server: Server, clock: Clock) {
    this.server = server;
    this.clock = clock;
  }

  /**
   * Starts a proxy to the server of `upstreamKubeconfig`, authenticating as its user. Latency,
   * watch delays and drops count on `clock`, as the simulated server counts them on the sim's clock.
   */
  static async start(upstreamKubeconfig: string, clock: Clock = systemClock): Promise<FaultProxy> {
    const connection = await loadKubeConnection({ kubeconfigPath: upstreamKubeconfig });
    const proxy: FaultProxy = new FaultProxy(
      createServer((req, res) => {
        proxy.handle(connection, req, res).catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
          res.end(String(err));
        });
      }),
      clock,
    );
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  /** A kubeconfig with no credentials of its own that reaches the upstream server through the proxy. */
  async writeKubeconfig(path: string): Promise<void> {
    const lines = [
      "apiVersion: v1",
      "kind: Config",
      // Plain HTTP on loopback (the proxy verifies the upstream server's TLS); client-node refuses
      // an http:// server unless told TLS is not to be verified.
      `clusters:\n- name: proxied\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
      "users:\n- name: proxied\n  user: {}",
      "contexts:\n- name: proxied\n  context:\n    cluster: proxied\n    user: proxied",
      "current-context: proxied",
    ];
    await writeFile(path, `${lines.join("\n")}\n`);
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(
    connection: Awaited<ReturnType<typeof loadKubeConnection>>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? "/", "http://proxy");
    const method = (req.method ?? "GET") as HttpMethod;
    const watch = ["1", "true"].includes(url.searchParams.get("watch") ?? "");
    const target = apiRequestOf({ verb: watch ? "watch" : "", method, path: url.pathname });
    const client = /^([^/\s]+)/.exec(req.headers["user-agent"] ?? "")?.[1] ?? "";
    this.requests.record({
      verb: target?.verb ?? method.toLowerCase(),
      group: target?.group ?? "",
      resource: target?.resource ?? "",
      namespace: target?.namespace ?? "",
      client,
    });
    const faults = this.faults;
    if (faults.latencyMs > 0) await this.clock.sleep(faults.latencyMs);
    const aimed = faults.faultyClient === "" || faults.faultyClient === client;
    const fault = watch || !aimed ? undefined : pickFault(faults);
    if (fault) {
      req.resume();
      const headers: Record<string, string> =
        fault.code === 429 ? { "retry-after": String(fault.retryAfterSeconds) } : {};
      status(res, fault.code, fault.code === 429 ? "TooManyRequests" : "InternalError", "injected", headers);
      return;
    }
    const resumeFrom = url.searchParams.get("resourceVersion") ?? "";
    if (watch && resumeFrom !== "" && resumeFrom !== "0" && Math.random() < faults.goneOnReconnectRate) {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      const expired = statusBody(410, "Expired", `too old resource version: ${resumeFrom}`);
      res.end(`${JSON.stringify({ type: "ERROR", object: expired })}\n`);
      return;
    }
    const body = method === "GET" || method === "DELETE" ? undefined : await readBody(req);
    const upstreamUrl = `${connection.server.replace(/\/$/, "")}${url.pathname}${url.search}`;
    const auth = await connection.authenticate(upstreamUrl, method);
    const headers: Record<string, string> = { ...auth.headers };
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === "string" && !HOP_BY_HOP.has(name)) headers[name] = value;
    const abort = new AbortController();
    const upstream = await connection.transmit(upstreamUrl, {
      method,
      headers,
      ...(body !== undefined && body.length > 0 ? { body: body.toString("utf8") } : {}),
      signal: abort.signal,
    });
    const answerHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstream.headers))
      if (!HOP_BY_HOP.has(name)) answerHeaders[name] = value;
    res.writeHead(upstream.status, answerHeaders);
    if (!watch) {
      res.end(await upstream.text());
      return;
    }
    await this.relayWatch(upstream.body, res, abort, target?.resource ?? "");
  }

  /** Relays a watch stream, held back or cut as the faults say. */
  private async relayWatch(
    body: AsyncIterable<Uint8Array>,
    res: ServerResponse,
    abort: AbortController,
    resource: string,
  ): Promise<void> {
    const faults = this.faults;
    this.streams.add(res);
    const delayMs = resource !== "" && faults.delayedWatchResource === resource ? faults.watchDelayMs : 0;
    let ended = false;
    const end = (abrupt: boolean): void => {
      if (ended) return;
      ended = true;
      abort.abort();
      if (abrupt) res.destroy();
      else res.end();
    };
    const cancelDrop =
      faults.dropWatchEverySeconds > 0
        ? this.clock.setTimer(faults.dropWatchEverySeconds * 1000, () => {
            end(faults.abruptWatchDrops);
          })
        : undefined;
    res.on("close", () => {
      ended = true;
      abort.abort();
    });
    let delivered = Promise.resolve();
    try {
      for await (const chunk of body) {
        if (delayMs === 0) res.write(chunk);
        else {
          // Each piece reaches the client `delayMs` after it left the server, in order.
          const due = this.clock.now() + delayMs;
          delivered = delivered.then(
            () =>
              new Promise<void>((resolve) =>
                this.clock.setTimer(Math.max(0, due - this.clock.now()), () => {
                  if (!ended) res.write(chunk);
                  resolve();
                }),
              ),
          );
        }
      }
      await delivered;
      end(false);
    } catch {
      end(true);
    } finally {
      cancelDrop?.();
      this.streams.delete(res);
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function statusBody(code: number, reason: string, message: string): object {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(statusBody(code, reason, message)));
}
