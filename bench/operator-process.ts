/** The operator as its own process beside a benchmark's simulated cluster (its RSS and CPU its own). */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** The node flags of the image's ENTRYPOINT (Dockerfile; test/unit/dockerfile.test.ts keeps them in step). */
export const IMAGE_NODE_FLAGS = ["--optimize-for-size", "--max-semi-space-size=1"];

/** The glibc malloc settings of the image's ENV (Dockerfile; test/unit/dockerfile.test.ts keeps them in step). */
export const IMAGE_MALLOC_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: "2",
  MALLOC_MMAP_THRESHOLD_: "131072",
};

/**
 * The operator (src/main.ts or dist/main.js) with the image's node flags, on the sim's kubeconfig,
 * no leader election, metrics on `listenPort`.
 */
export function spawnOperator(
  kubeconfigPath: string,
  listenPort: number,
  options: { nodeFlags?: string[]; stdout?: "ignore" | "inherit" } = {},
): ChildProcess {
  // BENCH_OPERATOR_NODE_FLAGS: node flags that NODE_OPTIONS refuses (e.g. --optimize-for-size), space-separated.
  const extraFlags = (process.env.BENCH_OPERATOR_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "");
  // BENCH_OPERATOR_V8_DEFAULTS=1: without the image's V8 flags, to compare.
  const imageFlags = process.env.BENCH_OPERATOR_V8_DEFAULTS === "1" ? [] : IMAGE_NODE_FLAGS;
  const args = [
    ...imageFlags,
    ...extraFlags,
    ...(options.nodeFlags ?? []),
    "--disable-warning=ExperimentalWarning",
    // BENCH_OPERATOR_DIST=1: the compiled operator as the image runs it (`npm run build` first).
    process.env.BENCH_OPERATOR_DIST === "1" ? "dist/main.js" : "src/main.ts",
    "operator",
    "--kubeconfig",
    kubeconfigPath,
    "--no-leader-elect",
    "--listen-port",
    String(listenPort),
    "--namespace",
    "rke2-lifecycle-system",
    "--log-level",
    "warn",
  ];
  // BENCH_OPERATOR_NODE_OPTIONS: the operator's NODE_OPTIONS (e.g. the image's), not the benchmark's own.
  const nodeOptions = process.env.BENCH_OPERATOR_NODE_OPTIONS;
  // The image's malloc settings too, unless BENCH_OPERATOR_V8_DEFAULTS=1 asks for a plain node.
  const env = { ...(process.env.BENCH_OPERATOR_V8_DEFAULTS === "1" ? {} : IMAGE_MALLOC_ENV), ...process.env };
  return spawn(process.execPath, args, {
    cwd: root,
    stdio: ["ignore", options.stdout ?? "ignore", "inherit"],
    env: nodeOptions === undefined ? env : { ...env, NODE_OPTIONS: nodeOptions },
  });
}
