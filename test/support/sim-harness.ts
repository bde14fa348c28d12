/**
 * Integration tests on the simulated cluster: `withSim` starts one per test file (beforeAll /
 * afterAll). With RKE2_LIFECYCLE_TEST_KUBECONFIG set (the real lane, `npm run test:real`, sets it
 * to a real kube-apiserver), the tests run against that API server instead, without the fake server
 * and the sim controllers (the real ones do that work): the cluster is emptied first (the lane's
 * isolation between files), the operator's client authenticates as the chart's ServiceAccount,
 * and any request RBAC forbade fails the file.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "@jest/globals";
import type { Clock } from "../../src/runtime/clock.ts";
import type { FaultConfig, RequestAccounting } from "../../src/sim/apiserver/faults.ts";
import { startSim, type Sim, type StartSimOptions } from "../../src/sim/index.ts";
import { demoTopology } from "../../src/sim/cluster/topology.ts";
import { resetCluster } from "./control-plane/reset.ts";
import { FaultProxy } from "./fault-proxy.ts";
import { RequestLog } from "./request-log.ts";

import { externalKubeconfig, OPERATOR_KUBECONFIG_ENV } from "./lane-env.ts";

/**
 * A sim as the tests see it: with the operator's request log, on either lane, and with `apiFaults`
 * the fault knobs of the operator's connection: the simulated server's own, or on the real lane a
 * fault proxy's (fault-proxy.ts) between the operator and the real server.
 */
export type TestSim = Sim & { operatorRequests: RequestLog; apiFaults?: ApiFaults };

/** Fault knobs, and the requests they applied to, by client (the User-Agent's product name). */
export interface ApiFaults {
  faults: FaultConfig;
  requests: RequestAccounting;
}

export type TestSimOptions = Partial<StartSimOptions> & { apiFaults?: boolean };

/** On the real lane, a fault proxy in front of the server for the operator's identity. */
async function operatorFaultProxy(
  operatorKubeconfig: string,
  clock: Clock | undefined,
): Promise<{ proxy: FaultProxy; kubeconfigPath: string; stop(): Promise<void> }> {
  const proxy = await FaultProxy.start(operatorKubeconfig, clock);
  const dir = await mkdtemp(join(tmpdir(), "rke2-lifecycle-fault-proxy-"));
  const kubeconfigPath = join(dir, "operator.kubeconfig");
  await proxy.writeKubeconfig(kubeconfigPath);
  return {
    proxy,
    kubeconfigPath,
    stop: async () => {
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a sim for one test file or one test, on either lane. On the real lane the cluster is
 * emptied first, and stop() fails when RBAC refused any of the operator's requests.
 */
export async function startTestSim(testOptions: TestSimOptions = {}): Promise<TestSim> {
  const { apiFaults, ...options } = testOptions;
  const external = externalKubeconfig();
  const realOperatorKubeconfig = process.env[OPERATOR_KUBECONFIG_ENV] ?? external;
  const faultProxy =
    external && apiFaults && realOperatorKubeconfig
      ? await operatorFaultProxy(realOperatorKubeconfig, options.clock)
      : undefined;
  const operatorKubeconfig = faultProxy?.kubeconfigPath ?? process.env[OPERATOR_KUBECONFIG_ENV];
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
  const knobs = faultProxy?.proxy ?? started.apiServer;
  return Object.assign(started, {
    operatorRequests,
    ...(apiFaults && knobs ? { apiFaults: { faults: knobs.faults, requests: knobs.requests } } : {}),
    stop: async () => {
      await stop();
      await faultProxy?.stop();
      const forbidden = operatorRequests.forbidden();
      if (forbidden.length > 0) {
        throw new Error(`the operator was refused by RBAC: ${forbidden.map((r) => JSON.stringify(r)).join("; ")}`);
      }
    },
  });
}

/** Returns a getter: the sim exists only once beforeAll ran. */
export function withSim(options: TestSimOptions = {}): () => TestSim {
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
      const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
      throw new Error(`timed out waiting for ${options.what ?? "condition"}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 25));
  }
}
