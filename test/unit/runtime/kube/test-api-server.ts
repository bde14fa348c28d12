import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import type { KubeConnection } from "../../../../src/runtime/kube/http.ts";
import { nodeTransport } from "../../../../src/runtime/kube/node-transport.ts";

/** One request as the test server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Responder = (request: RecordedRequest, response: ServerResponse) => void;

export interface TestApiServer {
  url: string;
  requests: RecordedRequest[];
  /** Replaces how the server answers from now on. */
  respond(responder: Responder): void;
  /** A connection to this server with a bearer token over node:http, as a pod's operator connects. */
  connection(): KubeConnection;
  /** The same through a client-node KubeConfig and undici, as with exec plugins or proxies. */
  clientNodeConnection(): KubeConnection;
  close(): Promise<void>;
}

export const TEST_TOKEN = "test-token-123";

/** A small HTTP server with canned answers that records every request it gets. */
export async function startTestApiServer(responder: Responder = notFound): Promise<TestApiServer> {
  let current = responder;
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://test");
      const recorded: RecordedRequest = {
        method: req.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      current(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    respond(next) {
      current = next;
    },
    connection() {
      return {
        server: url,
        authenticate: () => Promise.resolve({ headers: { Authorization: `Bearer ${TEST_TOKEN}` } }),
        transmit: nodeTransport(url),
      };
    },
    clientNodeConnection() {
      const kc = new KubeConfig();
      // client-node refuses plain http unless skipTLSVerify is set.
      kc.loadFromOptions({
        clusters: [{ name: "test", server: url, skipTLSVerify: true }],
        users: [{ name: "tester", token: TEST_TOKEN }],
        contexts: [{ name: "test", cluster: "test", user: "tester" }],
        currentContext: "test",
      });
      return kubeConfigConnection(kc);
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      });
    },
  };
}

export function sendJson(
  response: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(code, { "Content-Type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

export function status(code: number, reason: string, message: string, details?: object): object {
  return {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code,
    reason,
    message,
    ...(details ? { details } : {}),
  };
}

export function notFound(_request: RecordedRequest, response: ServerResponse): void {
  sendJson(response, 404, status(404, "NotFound", "not found"));
}
