import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import type { ApiRequestRecord } from "../../../../src/runtime/kube/http.ts";
import type { KubePort } from "../../../../src/runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../../../../src/runtime/kube/types.ts";
import { sendJson, startTestApiServer, status, TEST_TOKEN, type TestApiServer } from "./test-api-server.ts";

const PODS: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
const PLANS: ResourceType = {
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  plural: "upgradeplans",
  namespaced: false,
};
const JOBS: ResourceType = { apiVersion: "batch/v1", kind: "Job", plural: "jobs", namespaced: true };

const plan = (name: string): KubeObject => ({ apiVersion: PLANS.apiVersion, kind: PLANS.kind, metadata: { name } });
const job = (name: string): KubeObject => ({
  apiVersion: JOBS.apiVersion,
  kind: JOBS.kind,
  metadata: { name, namespace: "jobs" },
});

let server: TestApiServer;
let port: KubePort;
let records: ApiRequestRecord[];

beforeAll(async () => {
  server = await startTestApiServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  records = [];
  // Answers writes with the object sent (patches merged into a stub), as the API server would.
  server.respond((request, response) => {
    const sent = (request.body ? JSON.parse(request.body) : {}) as Record<string, unknown>;
    sendJson(response, request.method === "POST" ? 201 : 200, { metadata: { name: "echo" }, ...sent });
  });
  port = createKubePort(server.connection(), { onRequest: (record) => records.push(record), pageSize: 2 });
});

function lastRequest() {
  const request = server.requests.at(-1);
  if (!request) throw new Error("no request reached the server");
  return request;
}

describe("createKubePort: requests on the wire", () => {
  it.each([
    {
      verb: "get namespaced",
      call: (p: KubePort) => p.get(PODS, "web-1", "default"),
      method: "GET",
      path: "/api/v1/namespaces/default/pods/web-1",
    },
    { verb: "get cluster-scoped", call: (p: KubePort) => p.get(NODES, "n1"), method: "GET", path: "/api/v1/nodes/n1" },
    {
      verb: "get grouped",
      call: (p: KubePort) => p.get(PLANS, "p1"),
      method: "GET",
      path: "/apis/rke2-lifecycle.io/v1alpha1/upgradeplans/p1",
    },
    {
      verb: "create",
      call: (p: KubePort) => p.create(JOBS, job("j1")),
      method: "POST",
      path: "/apis/batch/v1/namespaces/jobs/jobs",
      contentType: "application/json",
    },
    {
      verb: "replace",
      call: (p: KubePort) => p.replace(PLANS, plan("p1")),
      method: "PUT",
      path: "/apis/rke2-lifecycle.io/v1alpha1/upgradeplans/p1",
      contentType: "application/json",
    },
    {
      verb: "apply",
      call: (p: KubePort) => p.apply(JOBS, job("j1")),
      method: "PATCH",
      path: "/apis/batch/v1/namespaces/jobs/jobs/j1",
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "rke2-lifecycle-operator", force: "false" },
    },
    {
      verb: "apply forced",
      call: (p: KubePort) => p.apply(PLANS, plan("p1"), { force: true }),
      method: "PATCH",
      path: "/apis/rke2-lifecycle.io/v1alpha1/upgradeplans/p1",
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "rke2-lifecycle-operator", force: "true" },
    },
    {
      verb: "mergePatch",
      call: (p: KubePort) => p.mergePatch(NODES, "n1", { spec: { unschedulable: true } }),
      method: "PATCH",
      path: "/api/v1/nodes/n1",
      contentType: "application/merge-patch+json",
      body: { spec: { unschedulable: true } },
    },
    {
      verb: "patchStatus",
      call: (p: KubePort) => p.patchStatus(PLANS, "p1", { phase: "Done" }),
      method: "PATCH",
      path: "/apis/rke2-lifecycle.io/v1alpha1/upgradeplans/p1/status",
      contentType: "application/merge-patch+json",
      body: { status: { phase: "Done" } },
    },
    {
      verb: "delete",
      call: (p: KubePort) => p.delete(JOBS, "j1", "jobs", { propagationPolicy: "Background" }),
      method: "DELETE",
      path: "/apis/batch/v1/namespaces/jobs/jobs/j1",
      contentType: "application/json",
      body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background" },
    },
    {
      verb: "evict",
      call: (p: KubePort) => p.evict("web-1", "shop", { gracePeriodSeconds: 30 }),
      method: "POST",
      path: "/api/v1/namespaces/shop/pods/web-1/eviction",
      contentType: "application/json",
      body: {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "web-1", namespace: "shop" },
        deleteOptions: { gracePeriodSeconds: 30 },
      },
    },
  ])("$verb → $method $path", async ({ call, method, path, contentType, query, body }) => {
    await call(port);
    const request = lastRequest();
    expect(request.method).toBe(method);
    expect(request.path).toBe(path);
    expect(request.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(request.headers["content-type"]).toBe(contentType);
    if (query) expect(Object.fromEntries(request.query)).toEqual(query);
    if (body) expect(JSON.parse(request.body)).toEqual(body);
  });

  it("sends the same requests through a client-node connection (undici), a DELETE's body included", async () => {
    const viaClientNode = createKubePort(server.clientNodeConnection());
    await viaClientNode.delete(JOBS, "j1", "jobs", { propagationPolicy: "Background" });
    await viaClientNode.get(NODES, "n1");
    const [deleted, got] = server.requests.slice(-2);
    expect([deleted?.method, deleted?.path, got?.method, got?.path]).toEqual([
      "DELETE",
      "/apis/batch/v1/namespaces/jobs/jobs/j1",
      "GET",
      "/api/v1/nodes/n1",
    ]);
    expect(JSON.parse(deleted?.body ?? "")).toMatchObject({ propagationPolicy: "Background" });
    expect(got?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it("sends the whole object as the apply body (JSON is valid YAML)", async () => {
    const applied = await port.apply(JOBS, job("j1"));
    expect(JSON.parse(lastRequest().body)).toEqual(job("j1"));
    expect(applied.metadata.name).toBe("j1");
  });

  it("rejects a namespaced single-object call without a namespace before sending anything", async () => {
    await expect(port.get(PODS, "web-1")).rejects.toMatchObject({ errorClass: "BadRequest" });
    expect(server.requests).toHaveLength(0);
  });

  it("escapes names in paths", async () => {
    await port.get(NODES, "a b/c");
    expect(lastRequest().path).toBe("/api/v1/nodes/a%20b%2Fc");
  });

  it("reports each request to the observer", async () => {
    await port.get(NODES, "n1");
    expect(records).toEqual([
      { verb: "get", method: "GET", path: "/api/v1/nodes/n1", code: 200, durationMs: expect.any(Number) },
    ]);
  });
});

describe("createKubePort: answers", () => {
  it("get answers undefined on 404", async () => {
    server.respond((_req, res) => {
      sendJson(res, 404, status(404, "NotFound", 'nodes "n9" not found'));
    });
    await expect(port.get(NODES, "n9")).resolves.toBeUndefined();
  });

  it.each([
    ["delete", (p: KubePort) => p.delete(NODES, "gone")],
    ["evict", (p: KubePort) => p.evict("gone", "ns")],
  ])("%s treats 404 as done", async (_name, call) => {
    server.respond((_req, res) => {
      sendJson(res, 404, status(404, "NotFound", "not found"));
    });
    await expect(call(port)).resolves.toBeUndefined();
  });

  it("fills apiVersion and kind the server leaves out", async () => {
    server.respond((_req, res) => {
      sendJson(res, 200, { metadata: { name: "n1" } });
    });
    await expect(port.get(NODES, "n1")).resolves.toEqual({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
  });

  it("list follows continue tokens, passes selectors and returns the collection's resourceVersion", async () => {
    const pages: Record<string, object> = {
      "": {
        metadata: { resourceVersion: "41", continue: "t1" },
        items: [{ metadata: { name: "a" } }, { metadata: { name: "b" } }],
      },
      t1: {
        metadata: { resourceVersion: "41", continue: "t2" },
        items: [{ metadata: { name: "c" } }, { metadata: { name: "d" } }],
      },
      t2: { metadata: { resourceVersion: "41" }, items: [{ metadata: { name: "e" } }] },
    };
    server.respond((req, res) => {
      sendJson(res, 200, { kind: "PodList", apiVersion: "v1", ...pages[req.query.get("continue") ?? ""] });
    });
    const list = await port.list(PODS, {
      namespace: "shop",
      labelSelector: "app=web",
      fieldSelector: "spec.nodeName=n1",
    });
    expect(list.items.map((item) => item.metadata.name)).toEqual(["a", "b", "c", "d", "e"]);
    expect(list.items[0]).toMatchObject({ apiVersion: "v1", kind: "Pod" });
    expect(list.resourceVersion).toBe("41");
    expect(server.requests.map((r) => r.path)).toEqual(Array(3).fill("/api/v1/namespaces/shop/pods"));
    expect(server.requests.map((r) => Object.fromEntries(r.query))).toEqual([
      { labelSelector: "app=web", fieldSelector: "spec.nodeName=n1", limit: "2" },
      { labelSelector: "app=web", fieldSelector: "spec.nodeName=n1", limit: "2", continue: "t1" },
      { labelSelector: "app=web", fieldSelector: "spec.nodeName=n1", limit: "2", continue: "t2" },
    ]);
  });

  it("list applies the caller's transform to each item as its page arrives", async () => {
    const pages: Record<string, object> = {
      "": {
        metadata: { resourceVersion: "9", continue: "t1" },
        items: [{ metadata: { name: "a", labels: { big: "x" } } }, { metadata: { name: "b" } }],
      },
      t1: { metadata: { resourceVersion: "9" }, items: [{ metadata: { name: "c", labels: { big: "y" } } }] },
    };
    server.respond((req, res) => {
      sendJson(res, 200, { kind: "PodList", apiVersion: "v1", ...pages[req.query.get("continue") ?? ""] });
    });
    const seenAfterRequests: number[] = [];
    const list = await port.list(PODS, { namespace: "shop" }, (item) => {
      seenAfterRequests.push(server.requests.length);
      return { ...item, metadata: { name: item.metadata.name } };
    });
    expect(list.items).toEqual([
      { apiVersion: "v1", kind: "Pod", metadata: { name: "a" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "b" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "c" } },
    ]);
    expect(seenAfterRequests).toEqual([1, 1, 2]);
  });

  it("list of a namespaced kind without a namespace covers all namespaces", async () => {
    server.respond((_req, res) => {
      sendJson(res, 200, { metadata: { resourceVersion: "7" }, items: [] });
    });
    await port.list(PODS);
    expect(lastRequest().path).toBe("/api/v1/pods");
  });
});
