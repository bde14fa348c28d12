import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import {
  KubeConfigError,
  loadKubeConnection,
  type KubeConfigEnvironment,
} from "../../../../src/runtime/kube/kubeconfig.ts";
import { readKubeconfigFiles } from "../../../../src/runtime/kube/kubeconfig-read.ts";

let dir: string;
const kubeconfig = (context: string, server: string): string => `
apiVersion: v1
kind: Config
current-context: ${context}
clusters:
- name: ${context}
  cluster:
    server: ${server}
users:
- name: ${context}
  user:
    token: abc
contexts:
- name: ${context}
  context:
    cluster: ${context}
    user: ${context}
`;

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function environment(overrides: Partial<KubeConfigEnvironment> = {}): KubeConfigEnvironment {
  return { env: {}, homeDir: join(dir, "nohome"), serviceAccountPrefix: join(dir, "nosa"), ...overrides };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "kubeconfig-test-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("loadKubeConnection", () => {
  it("loads an explicit file", async () => {
    const path = file("a.yaml", kubeconfig("alpha", "https://alpha:6443"));
    const connection = await loadKubeConnection({ kubeconfigPath: path }, environment());
    expect(connection.server).toBe("https://alpha:6443");
  });

  it("merges a KUBECONFIG list; the first file's context wins", async () => {
    const a = file("m1.yaml", kubeconfig("alpha", "https://alpha:6443"));
    const b = file("m2.yaml", kubeconfig("beta", "https://beta:6443"));
    const list = [a, b].join(delimiter);
    const connection = await loadKubeConnection({}, environment({ env: { KUBECONFIG: list } }));
    expect(connection.server).toBe("https://alpha:6443");
    const selection = readKubeconfigFiles([a, b], list, "KUBECONFIG");
    expect(selection).toMatchObject({ contextName: "alpha", cluster: { name: "alpha" }, user: { name: "alpha" } });
    expect(readKubeconfigFiles([a, b], list, "KUBECONFIG", "beta").cluster.fields.server).toBe("https://beta:6443");
  });

  it("--context picks another context of the merged files, and names one that is not there", async () => {
    const a = file("c1.yaml", kubeconfig("alpha", "https://alpha:6443"));
    const b = file("c2.yaml", kubeconfig("beta", "https://beta:6443"));
    const list = [a, b].join(delimiter);
    const env = environment({ env: { KUBECONFIG: list } });
    expect((await loadKubeConnection({ context: "beta" }, env)).server).toBe("https://beta:6443");
    expect((await loadKubeConnection({ kubeconfigPath: a, context: "alpha" }, env)).server).toBe("https://alpha:6443");
    await expect(loadKubeConnection({ context: "gamma" }, env)).rejects.toThrow(
      new KubeConfigError(`--context: context "gamma" is not defined in KUBECONFIG (${list})`),
    );
    await expect(loadKubeConnection({ inCluster: true, context: "beta" }, env)).rejects.toThrow(KubeConfigError);
  });

  it("falls back to ~/.kube/config", async () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    writeFileSync(join(home, ".kube", "config"), kubeconfig("homed", "https://home:6443"));
    expect((await loadKubeConnection({}, environment({ homeDir: home }))).server).toBe("https://home:6443");
  });

  it.each([
    { host: "10.43.0.1", server: "https://10.43.0.1:443" },
    { host: "fd00:43::1", server: "https://[fd00:43::1]:443" },
  ])("loads the service account in a pod ($host)", async ({ host, server }) => {
    const prefix = join(dir, "pod");
    const saDir = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, "token"), "sa-token");
    writeFileSync(join(saDir, "ca.crt"), "");
    const env = { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: "443" };
    const connection = await loadKubeConnection(
      { inCluster: true },
      environment({ env, serviceAccountPrefix: prefix }),
    );
    expect(connection.server).toBe(server);
    expect((await connection.authenticate(`${server}/api`, "GET")).headers).toEqual({
      Authorization: "Bearer sa-token",
    });
  });

  it.each([
    { name: "both modes", options: { inCluster: true, kubeconfigPath: "x" }, message: /not both/ },
    { name: "in-cluster outside a pod", options: { inCluster: true }, message: /KUBERNETES_SERVICE_HOST/ },
    {
      name: "a missing file",
      options: { kubeconfigPath: "/nope/config" },
      message: /--kubeconfig: \/nope\/config does not exist/,
    },
    { name: "nothing to load", options: {}, message: /no Kubernetes configuration found/ },
  ])("$name → a clear error", async ({ options, message }) => {
    await expect(loadKubeConnection(options, environment())).rejects.toThrow(message);
  });

  it("in-cluster without a token says so", async () => {
    const env = { KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" };
    await expect(loadKubeConnection({ inCluster: true }, environment({ env }))).rejects.toThrow(
      /no service-account token/,
    );
  });

  it.each([
    { name: "broken YAML", content: "clusters: [", message: /is not a valid kubeconfig/ },
    {
      name: "no current-context",
      content: "apiVersion: v1\nkind: Config\nclusters: []\n",
      message: /sets no current-context/,
    },
    {
      name: "an undefined context",
      content: "apiVersion: v1\nkind: Config\ncurrent-context: ghost\ncontexts: []\n",
      message: /current context "ghost" is not defined/,
    },
  ])("a kubeconfig with $name → a clear error", async ({ content, message }) => {
    const path = file("bad.yaml", content);
    await expect(loadKubeConnection({ kubeconfigPath: path }, environment())).rejects.toThrow(message);
    await expect(loadKubeConnection({ kubeconfigPath: path }, environment())).rejects.toThrow(KubeConfigError);
  });
});
