import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { nodeTransport } from "../../../../src/runtime/kube/node-transport.ts";

/**
 * A server that answers the first request of each connection and resets the connection on the
 * second, as a server that closed an idle kept-alive connection at the moment it was reused.
 */
let server: Server;
let url: string;
const served = new WeakMap<Socket, number>();
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const count = served.get(req.socket) ?? 0;
    served.set(req.socket, count + 1);
    req.resume();
    req.on("end", () => {
      if (count > 0) {
        seen.push(`${req.method ?? ""} reset`);
        req.socket.resetAndDestroy();
        return;
      }
      seen.push(`${req.method ?? ""} answered`);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end("{}");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("nodeTransport on a pooled connection the server closed", () => {
  it("sends a GET again on a new connection, and fails a write rather than send it twice", async () => {
    const transmit = nodeTransport(url);
    const first = await transmit(`${url}/api/v1/nodes/a`, { method: "GET", headers: {} });
    expect([first.status, await first.text()]).toEqual([200, "{}"]);

    const again = await transmit(`${url}/api/v1/nodes/a`, { method: "GET", headers: {} });
    expect([again.status, await again.text()]).toEqual([200, "{}"]);
    expect(seen).toEqual(["GET answered", "GET reset", "GET answered"]);

    seen.length = 0;
    const patch = transmit(`${url}/api/v1/nodes/a`, { method: "PATCH", headers: {}, body: "{}" });
    await expect(patch).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(seen).toEqual(["PATCH reset"]);
  });
});
