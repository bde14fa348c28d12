/**
 * What the product's processes load, seen from a child process with a module hook: the operator
 * and the node-agent load no simulator, no demo, no CRD schema machinery (CEL), no AWS SDK at
 * start, and no @kubernetes/client-node for the pod's own service account or a kubeconfig with a
 * token or client certificate (only an exec or auth-provider plugin, a proxy-url... need it).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("../../../", import.meta.url).pathname;
const HOOK = join(ROOT, "test/support/record-modules.ts");

/** Never in the operator's or the node-agent's graph. */
const NOT_IN_PRODUCT = [
  "/src/sim/",
  "/src/demo/",
  "/src/cli/demo.ts",
  "/src/cli/sim.ts",
  "/src/kube-schema/",
  "/node_modules/@bufbuild/cel/",
  "/node_modules/@aws-sdk/",
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "module-graph-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The URLs of the modules a `node <args>` child loads. */
function modulesLoadedBy(args: string[], env: Record<string, string> = {}): string[] {
  const out = join(dir, `graph-${Math.random().toString(36).slice(2)}.txt`);
  execFileSync(process.execPath, ["--import", HOOK, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env, MODULE_GRAPH_OUT: out },
    stdio: "pipe",
  });
  return readFileSync(out, "utf8").split("\n");
}

const offending = (modules: string[], fragments: readonly string[]): string[] =>
  modules.filter((url) => fragments.some((fragment) => url.includes(fragment)));

describe("the product's module graph", () => {
  it.each([
    ["operator", "--help"],
    ["node-agent", "--help"],
  ])("`%s %s` loads no simulator, CEL or S3 SDK", (...argv) => {
    const modules = modulesLoadedBy(["src/main.ts", ...argv]);
    expect(modules).toContain(`file://${ROOT}src/main.ts`);
    expect(offending(modules, [...NOT_IN_PRODUCT, "/node_modules/@kubernetes/client-node/"])).toEqual([]);
  });

  it("`--version` loads main.ts, the version module and no command", () => {
    const modules = modulesLoadedBy(["src/main.ts", "--version"]);
    const own = modules
      .filter((url) => url.startsWith(`file://${ROOT}src/`))
      .map((url) => url.slice(`file://${ROOT}`.length));
    expect(own.sort()).toEqual(["src/cli/usage.ts", "src/cli/version.ts", "src/main.ts", "src/version.ts"]);
    expect(modules.filter((url) => url.includes("/node_modules/"))).toEqual([]);
  });

  it("the running operator's code over the pod's service account loads neither the simulator nor client-node", () => {
    const prefix = join(dir, "pod");
    const saDir = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(saDir, { recursive: true });
    writeFileSync(join(saDir, "token"), "t");
    copyFileSync(join(ROOT, "test/unit/runtime/kube/fixtures/ca.crt"), join(saDir, "ca.crt"));
    const script = `
      await import("./src/operator/run.ts");
      const { loadKubeConnection } = await import("./src/runtime/kube/kubeconfig.ts");
      const env = { KUBERNETES_SERVICE_HOST: "10.43.0.1", KUBERNETES_SERVICE_PORT: "443" };
      const serviceAccountPrefix = ${JSON.stringify(prefix)};
      await loadKubeConnection({ inCluster: true }, { env, homeDir: "/", serviceAccountPrefix });`;
    const modules = modulesLoadedBy(["--input-type=module", "--eval", script]);
    expect(modules).toContain(`file://${ROOT}src/controllers/index.ts`);
    expect(offending(modules, [...NOT_IN_PRODUCT, "/node_modules/@kubernetes/client-node/"])).toEqual([]);
    // Nor the node-agent's code, nor what an ES import of node:http or a read of global fetch loads
    // (Node's bundled undici, http2, web streams: about 5 MB of RSS; src/runtime/node-http.ts).
    expect(modules).toContain("node-internal:http");
    expect(
      offending(modules, [
        "/src/nodeops/agent/",
        "/node_modules/yauzl/",
        "node-internal:internal/deps/undici/",
        "node-internal:http2",
        "node-internal:internal/webstreams/",
      ]),
    ).toEqual([]);
  });

  /** The modules loading a kubeconfig whose user entry is `user` loads (YAML flow style). */
  function modulesLoadingKubeconfig(name: string, user: string): string[] {
    const kubeconfig = join(dir, name);
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: c, cluster: {server: 'https://h:6443'}}]\n" +
        `users: [{name: u, user: ${user}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n`,
    );
    const script = `
      const { loadKubeConnection } = await import("./src/runtime/kube/kubeconfig.ts");
      await loadKubeConnection({ kubeconfigPath: ${JSON.stringify(kubeconfig)} });`;
    return modulesLoadedBy(["--input-type=module", "--eval", script]);
  }

  it("a kubeconfig file with a token loads no client-node", () => {
    const modules = modulesLoadingKubeconfig("token-kubeconfig", "{token: t}");
    expect(modules).toContain(`file://${ROOT}src/runtime/kube/kubeconfig-plain.ts`);
    expect(offending(modules, ["/node_modules/@kubernetes/client-node/"])).toEqual([]);
  });

  it("a kubeconfig file with an exec plugin loads client-node, and only then", () => {
    const modules = modulesLoadingKubeconfig("exec-kubeconfig", "{exec: {apiVersion: v1, command: x}}");
    expect(offending(modules, ["/node_modules/@kubernetes/client-node/"]).length).toBeGreaterThan(0);
  });

  it("the simulator shows up when asked for, so the hook does see it", () => {
    const modules = modulesLoadedBy(["--input-type=module", "--eval", `await import("./src/cli/sim.ts");`]);
    expect(offending(modules, ["/src/sim/"]).length).toBeGreaterThan(0);
  });
});
