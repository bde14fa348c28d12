import { afterAll, beforeAll, expect, it } from "@jest/globals";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { inClusterConnection, SERVICE_ACCOUNT_DIR } from "../../../../src/runtime/kube/in-cluster.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

// The throwaway CA and its server certificate for 127.0.0.1 (see adapter-tls.test.ts).
const fixture = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

let server: Server;
let port: string;
let prefix: string;
const authorizations: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer(
    { key: readFileSync(fixture("server.key")), cert: readFileSync(fixture("server.crt")) },
    (req, res) => {
      authorizations.push(req.headers.authorization);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ metadata: { name: "n1" } }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = String((server.address() as AddressInfo).port);
  prefix = mkdtempSync(join(tmpdir(), "in-cluster-"));
  mkdirSync(join(prefix, SERVICE_ACCOUNT_DIR), { recursive: true });
  copyFileSync(fixture("ca.crt"), join(prefix, SERVICE_ACCOUNT_DIR, "ca.crt"));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(prefix, { recursive: true, force: true });
});

it("verifies the API server with the mounted CA and sends the mounted token, read again after a minute", async () => {
  const tokenFile = join(prefix, SERVICE_ACCOUNT_DIR, "token");
  writeFileSync(tokenFile, "first-token\n");
  const clock = new FakeClock();
  const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port };
  const kube = createKubePort(inClusterConnection({ env, serviceAccountPrefix: prefix, clock }), { clock });

  await expect(kube.get(NODES, "n1")).resolves.toMatchObject({ metadata: { name: "n1" } });
  writeFileSync(tokenFile, "rotated-token\n");
  await kube.get(NODES, "n1");
  await clock.advance(60_000);
  await kube.get(NODES, "n1");
  expect(authorizations).toEqual(["Bearer first-token", "Bearer first-token", "Bearer rotated-token"]);
});

it("refuses a server the mounted CA does not vouch for", async () => {
  const other = mkdtempSync(join(tmpdir(), "in-cluster-other-"));
  mkdirSync(join(other, SERVICE_ACCOUNT_DIR), { recursive: true });
  writeFileSync(join(other, SERVICE_ACCOUNT_DIR, "token"), "t");
  // The server's own certificate is not a CA: the chain does not verify.
  copyFileSync(fixture("client.crt"), join(other, SERVICE_ACCOUNT_DIR, "ca.crt"));
  const env = { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port };
  try {
    const kube = createKubePort(inClusterConnection({ env, serviceAccountPrefix: other }));
    await expect(kube.get(NODES, "n1")).rejects.toMatchObject({ errorClass: "Retriable", details: { code: 0 } });
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});
