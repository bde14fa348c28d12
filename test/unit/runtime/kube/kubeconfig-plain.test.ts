/**
 * Kubeconfig shapes served without @kubernetes/client-node (kubeconfig-plain.ts), against an HTTPS
 * server that asks for a client certificate and records what each request brought; and the shape
 * that still goes through client-node (an exec plugin).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { TLSSocket } from "node:tls";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import type { KubeConnection } from "../../../../src/runtime/kube/http.ts";
import { KubeConfigError, loadKubeConnection } from "../../../../src/runtime/kube/kubeconfig.ts";
import { fieldsNeedingClientNode, plainKubeconfigConnection } from "../../../../src/runtime/kube/kubeconfig-plain.ts";
import { readKubeconfigFiles } from "../../../../src/runtime/kube/kubeconfig-read.ts";
import type { ResourceType } from "../../../../src/runtime/kube/types.ts";

// The throwaway CA, its server certificate for 127.0.0.1 and a client certificate (see adapter-tls.test.ts).
const fixturePath = (name: string): string => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const fixture = (name: string): Buffer => readFileSync(fixturePath(name));
const base64 = (name: string): string => fixture(name).toString("base64");
const NODES: ResourceType = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };

interface Seen {
  authorization: string | undefined;
  clientName: string | undefined;
}
let server: Server;
let url: string;
let dir: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer(
    {
      key: fixture("server.key"),
      cert: fixture("server.crt"),
      ca: fixture("ca.crt"),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket;
      if (!(socket instanceof TLSSocket)) throw new Error("expected a TLS connection");
      const subject = socket.authorized ? socket.getPeerCertificate().subject : undefined;
      seen.push({ authorization: req.headers.authorization, clientName: subject ? String(subject.CN) : undefined });
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ metadata: { name: "n1" } }));
    },
  );
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), "kubeconfig-plain-"));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig with one context "c" of cluster "c" and user "u", written under `dir/<folder>`. */
function kubeconfig(folder: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    "current-context": "c",
    clusters: [{ name: "c", cluster: { server: url, ...cluster } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "c", context: { cluster: "c", user: "u" } }],
  };
  return write(join(folder, "config"), JSON.stringify(config));
}

function write(relative: string, content: string | Buffer): string {
  const path = join(dir, relative);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** What the server saw of one GET over the connection. */
async function oneRequest(connection: KubeConnection): Promise<Seen> {
  seen.length = 0;
  await expect(createKubePort(connection).get(NODES, "n1")).resolves.toMatchObject({ metadata: { name: "n1" } });
  return seen[0] ?? { authorization: "none", clientName: "none" };
}

const load = (path: string, context?: string): Promise<KubeConnection> =>
  loadKubeConnection(
    { kubeconfigPath: path, ...(context ? { context } : {}) },
    {
      env: {},
      homeDir: dir,
      serviceAccountPrefix: dir,
    },
  );

describe("kubeconfig shapes without client-node", () => {
  it("a token, the server verified against certificate-authority-data", async () => {
    const path = kubeconfig("token", { "certificate-authority-data": base64("ca.crt") }, { token: "abc" });
    expect(await oneRequest(await load(path))).toEqual({ authorization: "Bearer abc", clientName: undefined });
  });

  it("client-certificate-data and client-key-data", async () => {
    const user = { "client-certificate-data": base64("client.crt"), "client-key-data": base64("client.key") };
    const path = kubeconfig("cert-data", { "certificate-authority-data": base64("ca.crt") }, user);
    expect(await oneRequest(await load(path))).toEqual({
      authorization: undefined,
      clientName: "rke2-lifecycle-operator",
    });
  });

  it("CA, client-certificate and client-key files, relative to the kubeconfig's folder", async () => {
    write("files/pki/ca.crt", fixture("ca.crt"));
    write("files/pki/client.crt", fixture("client.crt"));
    write("files/pki/client.key", fixture("client.key"));
    const user = { "client-certificate": "pki/client.crt", "client-key": join(dir, "files/pki/client.key") };
    const path = kubeconfig("files", { "certificate-authority": "pki/ca.crt" }, user);
    expect((await oneRequest(await load(path))).clientName).toBe("rke2-lifecycle-operator");
  });

  it("a tokenFile relative to the kubeconfig's folder, read again after a minute", async () => {
    const tokenPath = write("token-file/token", "first\n");
    const path = kubeconfig("token-file", { "certificate-authority-data": base64("ca.crt") }, { tokenFile: "token" });
    const clock = new FakeClock();
    const connection = plainKubeconfigConnection(readKubeconfigFiles([path], path, "test"), "test", clock);
    expect((await oneRequest(connection)).authorization).toBe("Bearer first");
    writeFileSync(tokenPath, "second\n");
    expect((await oneRequest(connection)).authorization).toBe("Bearer first");
    await clock.advance(60_000);
    expect((await oneRequest(connection)).authorization).toBe("Bearer second");
  });

  it("username and password as basic auth", async () => {
    const path = kubeconfig(
      "basic",
      { "certificate-authority-data": base64("ca.crt") },
      { username: "a", password: "b" },
    );
    expect((await oneRequest(await load(path))).authorization).toBe(`Basic ${Buffer.from("a:b").toString("base64")}`);
  });

  it("insecure-skip-tls-verify connects without a CA; without either the server is refused", async () => {
    const insecure = kubeconfig("insecure", { "insecure-skip-tls-verify": true }, { token: "t" });
    expect((await oneRequest(await load(insecure))).authorization).toBe("Bearer t");
    const unverified = kubeconfig("unverified", {}, { token: "t" });
    await expect(createKubePort(await load(unverified)).get(NODES, "n1")).rejects.toMatchObject({
      errorClass: "Retriable",
    });
  });

  it("tls-server-name is the name the server's certificate is checked against", async () => {
    const cluster = { "certificate-authority-data": base64("ca.crt"), "tls-server-name": "other.example" };
    const path = kubeconfig("server-name", cluster, { token: "t" });
    await expect(createKubePort(await load(path)).get(NODES, "n1")).rejects.toMatchObject({
      errorClass: "Retriable",
    });
  });

  it("merges two files: each resolves its own relative paths; --context picks the second file's context", async () => {
    write("merge-a/ca.crt", fixture("ca.crt"));
    const first = write(
      "merge-a/config",
      JSON.stringify({
        "current-context": "a",
        clusters: [{ name: "shared", cluster: { server: url, "certificate-authority": "ca.crt" } }],
        contexts: [{ name: "a", context: { cluster: "shared", user: "ua" } }],
        users: [{ name: "ua", user: { token: "token-a" } }],
      }),
    );
    write("merge-b/token", "token-b");
    const second = write(
      "merge-b/config",
      JSON.stringify({
        "current-context": "b",
        clusters: [{ name: "shared", cluster: { server: "https://ignored.example:6443" } }],
        contexts: [{ name: "b", context: { cluster: "shared", user: "ub" } }],
        users: [{ name: "ub", user: { tokenFile: "token" } }],
      }),
    );
    const list = [first, second].join(delimiter);
    const environment = { env: { KUBECONFIG: list }, homeDir: dir, serviceAccountPrefix: dir };
    expect((await oneRequest(await loadKubeConnection({}, environment))).authorization).toBe("Bearer token-a");
    const b = await loadKubeConnection({ context: "b" }, environment);
    expect(b.server).toBe(url);
    expect((await oneRequest(b)).authorization).toBe("Bearer token-b");
  });

  it.each([
    {
      name: "a CA as data and as a file",
      cluster: { "certificate-authority-data": "eA==", "certificate-authority": "ca.crt" },
      user: {},
      message: /certificate-authority-data and certificate-authority are both specified for "c"/,
    },
    {
      name: "a CA file that is not there",
      cluster: { "certificate-authority": "missing.crt" },
      user: {},
      message: /unable to read certificate-authority .*missing\.crt for "c"/,
    },
    {
      name: "a CA beside insecure-skip-tls-verify",
      cluster: { "certificate-authority-data": "eA==", "insecure-skip-tls-verify": true },
      user: {},
      message: /both insecure-skip-tls-verify and a certificate authority/,
    },
    {
      name: "a client certificate without its key",
      cluster: {},
      user: { "client-certificate-data": "eA==" },
      message: /user "u" has a client certificate but no client-key/,
    },
    {
      name: "a token and a password",
      cluster: {},
      user: { token: "t", username: "a", password: "b" },
      message: /both a token and a username\/password/,
    },
    {
      name: "a tokenFile that is not there",
      cluster: {},
      user: { tokenFile: "nope" },
      message: /tokenFile of user "u"/,
    },
    { name: "a server without a scheme", cluster: { server: "h:6443" }, user: {}, message: /is not an http\(s\) URL/ },
  ])("$name → a clear error", async ({ cluster, user, message }) => {
    const path = kubeconfig("bad", cluster, user);
    await expect(load(path)).rejects.toThrow(message);
    await expect(load(path)).rejects.toThrow(KubeConfigError);
  });

  it("a context naming a user that is not defined → a clear error", async () => {
    const path = write(
      "no-user/config",
      JSON.stringify({
        "current-context": "c",
        clusters: [{ name: "c", cluster: { server: url } }],
        contexts: [{ name: "c", context: { cluster: "c", user: "ghost" } }],
      }),
    );
    await expect(load(path)).rejects.toThrow(/the user "ghost" of context "c" is not defined/);
  });
});

describe("the shapes left to client-node", () => {
  it("names the fields that need it", () => {
    const path = kubeconfig("needs", { "proxy-url": "http://proxy:3128" }, { exec: { command: "x" }, as: "admin" });
    expect(fieldsNeedingClientNode(readKubeconfigFiles([path], path, "test"))).toEqual([
      "cluster proxy-url",
      "user exec",
      "user as",
    ]);
  });

  it("an exec plugin's token reaches the server through client-node", async () => {
    const plugin = write(
      "exec/plugin.mjs",
      `console.log(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential",
        status: { token: "exec-token" } }));`,
    );
    const exec = {
      apiVersion: "client.authentication.k8s.io/v1",
      command: process.execPath,
      args: [plugin],
      interactiveMode: "Never",
    };
    const path = kubeconfig("exec", { "certificate-authority-data": base64("ca.crt") }, { exec });
    expect((await oneRequest(await load(path))).authorization).toBe("Bearer exec-token");
  });
});
