/**
 * Integration tests on the simulated cluster: `withSim` starts one per test file (beforeAll /
 * afterAll). With RKE2_LIFECYCLE_TEST_KUBECONFIG set (the real lane, `npm run test:real`, sets it
 * to a real kube-apiserver), the tests run against that API server instead, without the fake server
 * and the sim controllers (the real ones do that work): the cluster is emptied first (the lane's
 * isolation between files), the operator's client authenticates as the chart's ServiceAccount,
 * and any request RBAC forbade fails the file.
 */
import { afterAll, beforeAll } from "@jest/globals";
import { startSim, type Sim, type StartSimOptions } from "../../src/sim/index.ts";
import { demoTopology } from "../../src/sim/cluster/topology.ts";
import { resetCluster } from "./control-plane/reset.ts";
import { RequestLog } from "./request-log.ts";

import { externalKubeconfig, OPERATOR_KUBECONFIG_ENV } from "./lane-env.ts";

/** A sim as the tests see it: with the operator's request log, on either lane. */
export type TestSim = Sim & { operatorRequests: RequestLog };

/**
 * Starts a sim for one test file or one test, on either lane. On the real lane the cluster is
 * emptied first, and stop() fails when RBAC refused any of the operator's requests.
 */
export async function startTestSim(options: Partial<StartSimOptions> = {}): Promise<TestSim> {
  const external = externalKubeconfig();
  const operatorKubeconfig = process.env[OPERATOR_KUBECONFIG_ENV];
  if (external)
    await resetCluster(external, options.etcdSnapshotFileCrd === false ? { etcdSnapshotFileCrd: false } : {});
  const operatorRequests = new RequestLog();
  const started = await startSim({
    topology: demoTopology(),
    timeScale: 0.01,
    ...options,
    onOperatorRequest: operatorRequests.observer,
    ...(external
      ? {
          external: {
            kubeconfigPath: external,
            ...(operatorKubeconfig ? { operatorKubeconfigPath: operatorKubeconfig } : {}),
          },
        }
      : {}),
  });
  const stop = started.stop.bind(started);
  return Object.assign(started, {
    operatorRequests,
    stop: async () => {
      await stop();
      const forbidden = operatorRequests.forbidden();
      if (forbidden.length > 0) {
        throw new Error(`the operator was refused by RBAC: ${forbidden.map((r) => JSON.stringify(r)).join("; ")}`);
      }
    },
  });
}

/** Returns a getter: the sim exists only once beforeAll ran. */
export function withSim(options: Partial<StartSimOptions> = {}): () => TestSim {
  let sim: TestSim | undefined;
  beforeAll(async () => {
    sim = await startTestSim(options);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  }, 60_000);
  return () => {
    if (!sim) throw new Error("withSim: the sim is not started yet (use it inside a test)");
    return sim;
  };
}

/** Polls `predicate` (real time) until it returns a truthy value; throws with `what` on timeout. */
export async function waitFor<T>(
  predicate: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
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
      throw new Error(
        `timed out waiting for ${options.what ?? "condition"}${lastError instanceof Error ? `: ${lastError.message}` : ""}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
