import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { TLSSocket } from "node:tls";
import { KubeConfig } from "@kubernetes/client-node";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

// Test-only certificates (a throwaway CA, a server cert for 127.0.0.1, a client cert), valid for a century.
const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

let server: Server;
let url: string;
const clientNames: string[] = [];
const remotePorts = new Set<number>();

beforeAll(async () => {
  server = createServer(
    {
      key: fixture("server.key"),
      cert: fixture("server.crt"),
      ca: fixture("ca.crt"),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw new Error("expected a TLS connection");
      clientNames.push(String(socket.getPeerCertificate().subject.CN));
      remotePorts.add(socket.remotePort ?? 0);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ metadata: { name: "n1" } }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function kubeConfig(withCa: boolean): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "tls", server: url, ...(withCa ? { caData: fixture("ca.crt").toString("base64") } : {}) }],
    users: [
      {
        name: "cert-user",
        certData: fixture("client.crt").toString("base64"),
        keyData: fixture("client.key").toString("base64"),
      },
    ],
    contexts: [{ name: "tls", cluster: "tls", user: "cert-user" }],
    currentContext: "tls",
  });
  return kc;
}

describe("createKubePort over HTTPS", () => {
  it("trusts the kubeconfig's CA, authenticates with its client cert and reuses one connection", async () => {
    const port = createKubePort(kubeConfigConnection(kubeConfig(true)));
    for (let i = 0; i < 6; i++)
      await expect(port.get(NODES, "n1")).resolves.toMatchObject({ metadata: { name: "n1" } });
    expect(clientNames).toEqual(Array(6).fill("rke2-lifecycle-operator"));
    // One pool for the adapter's lifetime: a fresh dispatcher per request would open six connections.
    // (undici may open a second one while the first is being released, hence not exactly 1.)
    expect(remotePorts.size).toBeLessThanOrEqual(2);
  });

  it("refuses a server its CA does not vouch for, as a Retriable error", async () => {
    await expect(createKubePort(kubeConfigConnection(kubeConfig(false))).get(NODES, "n1")).rejects.toMatchObject({
      errorClass: "Retriable",
      details: { code: 0 },
    });
  });
});
