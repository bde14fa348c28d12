/**
 * Integration tests on the simulated cluster: `withSim` starts one per test file (beforeAll /
 * afterAll). With RKE2_LIFECYCLE_TEST_KUBECONFIG set, the tests run against that API server
 * instead, without the fake server and the sim controllers (the real ones do that work).
 */
import { afterAll, beforeAll } from "@jest/globals";
import { startSim, type Sim, type StartSimOptions } from "../../src/sim/index.ts";
import { demoTopology } from "../../src/sim/cluster/topology.ts";

export const EXTERNAL_KUBECONFIG_ENV = "RKE2_LIFECYCLE_TEST_KUBECONFIG";

export function externalKubeconfig(): string | undefined {
  const path = process.env[EXTERNAL_KUBECONFIG_ENV];
  return path ? path : undefined;
}

/** Returns a getter: the sim exists only once beforeAll ran. */
export function withSim(options: Partial<StartSimOptions> = {}): () => Sim {
  let sim: Sim | undefined;
  beforeAll(async () => {
    const external = externalKubeconfig();
    sim = await startSim({
      topology: demoTopology(),
      timeScale: 0.01,
      ...options,
      ...(external ? { external: { kubeconfigPath: external } } : {}),
    });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  return () => {
    if (!sim) throw new Error("withSim: the sim is not started yet (use it inside a test)");
    return sim;
  };
}

/** Polls `predicate` (real time) until it returns a truthy value; throws with `what` on timeout. */
export async function waitFor<T>(predicate: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${options.what ?? "condition"}${lastError instanceof Error ? `: ${lastError.message}` : ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
