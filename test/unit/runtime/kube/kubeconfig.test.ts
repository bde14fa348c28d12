import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfigError, loadKubeConfig, type KubeConfigEnvironment } from "../../../../src/runtime/kube/kubeconfig.ts";

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

describe("loadKubeConfig", () => {
  it("loads an explicit file", () => {
    const path = file("a.yaml", kubeconfig("alpha", "https://alpha:6443"));
    const kc = loadKubeConfig({ kubeconfigPath: path }, environment());
    expect(kc.getCurrentCluster()?.server).toBe("https://alpha:6443");
  });

  it("merges a KUBECONFIG list; the first file's context wins", () => {
    const a = file("m1.yaml", kubeconfig("alpha", "https://alpha:6443"));
    const b = file("m2.yaml", kubeconfig("beta", "https://beta:6443"));
    const kc = loadKubeConfig({}, environment({ env: { KUBECONFIG: [a, b].join(delimiter) } }));
    expect(kc.getCurrentContext()).toBe("alpha");
    expect(kc.getContexts().map((c) => c.name)).toEqual(["alpha", "beta"]);
  });

  it("falls back to ~/.kube/config", () => {
    const home = join(dir, "home");
    mkdirSync(join(home, ".kube"), { recursive: true });
    writeFileSync(join(home, ".kube", "config"), kubeconfig("homed", "https://home:6443"));
    expect(loadKubeConfig({}, environment({ homeDir: home })).getCurrentContext()).toBe("homed");
  });

  it("loads the service account in a pod", () => {
    const prefix = join(dir, "pod");
    const saDir = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, "token"), "sa-token");
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = "10.43.0.1";
    process.env.KUBERNETES_SERVICE_PORT = "443";
    try {
      const kc = loadKubeConfig({ inCluster: true }, environment({ env: process.env, serviceAccountPrefix: prefix }));
      expect(kc.getCurrentCluster()?.server).toBe("https://10.43.0.1:443");
    } finally {
      if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
      else process.env.KUBERNETES_SERVICE_HOST = saved.host;
      if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
      else process.env.KUBERNETES_SERVICE_PORT = saved.port;
    }
  });

  it.each([
    { name: "both modes", options: { inCluster: true, kubeconfigPath: "x" }, message: /not both/ },
    { name: "in-cluster outside a pod", options: { inCluster: true }, message: /KUBERNETES_SERVICE_HOST/ },
    { name: "a missing file", options: { kubeconfigPath: "/nope/config" }, message: /--kubeconfig: \/nope\/config does not exist/ },
    { name: "nothing to load", options: {}, message: /no Kubernetes configuration found/ },
  ])("$name → a clear error", ({ options, message }) => {
    expect(() => loadKubeConfig(options, environment())).toThrow(message);
  });

  it("in-cluster without a token says so", () => {
    const env = { KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" };
    expect(() => loadKubeConfig({ inCluster: true }, environment({ env }))).toThrow(/no service-account token/);
  });

  it.each([
    { name: "broken YAML", content: "clusters: [", message: /is not a valid kubeconfig/ },
    { name: "no current-context", content: "apiVersion: v1\nkind: Config\nclusters: []\n", message: /sets no current-context/ },
    {
      name: "an undefined context",
      content: "apiVersion: v1\nkind: Config\ncurrent-context: ghost\ncontexts: []\n",
      message: /current context "ghost" is not defined/,
    },
  ])("a kubeconfig with $name → a clear error", ({ content, message }) => {
    const path = file("bad.yaml", content);
    expect(() => loadKubeConfig({ kubeconfigPath: path }, environment())).toThrow(message);
    expect(() => loadKubeConfig({ kubeconfigPath: path }, environment())).toThrow(KubeConfigError);
  });
});
