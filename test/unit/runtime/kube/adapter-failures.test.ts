import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import { KubeError } from "../../../../src/runtime/kube/errors.ts";
import type { ApiRequestRecord } from "../../../../src/runtime/kube/http.ts";
import type { KubeObject, ResourceType } from "../../../../src/runtime/kube/types.ts";
import { sendJson, startTestApiServer, status, type TestApiServer } from "./test-api-server.ts";

const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
const node: KubeObject = { apiVersion: "v1", kind: "Node", metadata: { name: "n1" } };

let server: TestApiServer;
beforeAll(async () => {
  server = await startTestApiServer();
});
afterAll(() => server.close());

async function failureOf(promise: Promise<unknown>): Promise<KubeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof KubeError) return err;
    throw new Error(`expected a KubeError, got ${String(err)}`);
  }
  throw new Error("expected the call to fail");
}

describe("createKubePort: failures become KubeErrors", () => {
  it.each([
    {
      name: "409 AlreadyExists",
      code: 409,
      body: status(409, "AlreadyExists", 'nodes "n1" already exists'),
      errorClass: "AlreadyExists",
      details: { code: 409, reason: "AlreadyExists" },
    },
    {
      name: "409 Conflict",
      code: 409,
      body: status(409, "Conflict", "the object has been modified"),
      errorClass: "Conflict",
      details: { code: 409, reason: "Conflict" },
    },
    {
      name: "422 Invalid with causes",
      code: 422,
      body: status(422, "Invalid", "Node is invalid", {
        causes: [{ field: "spec.x", message: "Required value", reason: "FieldValueRequired" }],
      }),
      errorClass: "Invalid",
      details: {
        code: 422,
        reason: "Invalid",
        causes: [{ field: "spec.x", message: "Required value", reason: "FieldValueRequired" }],
      },
    },
    {
      name: "429 with Retry-After",
      code: 429,
      body: status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [{ reason: "DisruptionBudget", message: "The disruption budget web-pdb needs 2 healthy pods" }],
      }),
      headers: { "Retry-After": "7" },
      errorClass: "TooManyRequests",
      details: { code: 429, reason: "TooManyRequests", retryAfterSeconds: 7 },
    },
    {
      name: "429 with retryAfterSeconds only in the Status",
      code: 429,
      body: status(429, "TooManyRequests", "slow down", { retryAfterSeconds: 3 }),
      errorClass: "TooManyRequests",
      details: { code: 429, retryAfterSeconds: 3 },
    },
    { name: "410 Gone", code: 410, body: status(410, "Gone", "gone"), errorClass: "Gone", details: { code: 410 } },
    { name: "403", code: 403, body: status(403, "Forbidden", "no"), errorClass: "Forbidden", details: { code: 403 } },
    {
      name: "500",
      code: 500,
      body: status(500, "InternalError", "etcdserver: leader changed"),
      errorClass: "Retriable",
      details: { code: 500, reason: "InternalError" },
    },
    {
      name: "502 HTML from a proxy",
      code: 502,
      body: "<html>bad gateway</html>",
      errorClass: "Retriable",
      details: { code: 502 },
    },
  ])("$name → $errorClass", async ({ code, body, headers, errorClass, details }) => {
    server.respond((_req, res) => {
      if (typeof body === "string") {
        res.writeHead(code, { "Content-Type": "text/html" });
        res.end(body);
      } else {
        sendJson(res, code, body, headers);
      }
    });
    const error = await failureOf(createKubePort(server.connection()).create(NODES, node));
    expect(error.errorClass).toBe(errorClass);
    expect(error.details).toMatchObject(details);
  });

  it("keeps the API's message", async () => {
    server.respond((_req, res) => {
      sendJson(res, 409, status(409, "Conflict", "the object has been modified; please apply your changes"));
    });
    const error = await failureOf(createKubePort(server.connection()).replace(NODES, node));
    expect(error.message).toBe("the object has been modified; please apply your changes");
  });

  it("a refused connection is Retriable with code 0 and is observed with code 0", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "u", token: "t" }],
      contexts: [{ name: "x", cluster: "c", user: "u" }],
      currentContext: "x",
    });
    const records: ApiRequestRecord[] = [];
    const error = await failureOf(
      createKubePort(kubeConfigConnection(kc), { onRequest: (r) => records.push(r) }).get(NODES, "n1"),
    );
    expect(error.errorClass).toBe("Retriable");
    expect(error.details.code).toBe(0);
    expect(records.map((r) => r.code)).toEqual([0]);
  });

  it("a request with no answer fails Retriable at the request deadline", async () => {
    server.respond(() => {
      // never answers
    });
    const clock = new FakeClock();
    let settled = false;
    const pending = failureOf(createKubePort(server.connection(), { clock, requestTimeoutMs: 5_000 }).get(NODES, "n1"));
    void pending.finally(() => (settled = true));
    await clock.advance(4_999);
    expect(settled).toBe(false);
    await clock.advance(1);
    const error = await pending;
    expect(error.errorClass).toBe("Retriable");
    expect(error.message).toMatch(/timed out after 5000 ms/);
  });

  it("an observer that throws does not break the call", async () => {
    server.respond((_req, res) => {
      sendJson(res, 200, node);
    });
    const port = createKubePort(server.connection(), {
      onRequest: () => {
        throw new Error("metrics broke");
      },
    });
    await expect(port.get(NODES, "n1")).resolves.toMatchObject({ metadata: { name: "n1" } });
  });
});
