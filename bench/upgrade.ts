/**
 * Upgrade benchmark on the simulated cluster (docs/testing.md "Benchmarks"). Starts the sim with N
 * nodes, runs the operator as its own process (so its RSS and CPU are its own), applies one
 * UpgradePlan and measures, from outside, with real timestamps:
 * - orchestration overhead per node: a node passing its gate -> the next node's Job created;
 * - wall time against the ideal (sum over tiers of ceil(n/c) x one node's own time);
 * - API requests per upgraded node, from the simulated API server's accounting of the
 *   operator's client (User-Agent), cross-checked with the operator's own request metric;
 * - watches opened, and the operator's peak RSS and CPU seconds.
 *
 * The simulated cluster runs in this process; its CPU is reported too: a saturated simulator
 * delays every watch event and shows up as "overhead" that is not the operator's.
 *
 *   npx node bench/upgrade.ts --nodes 1000 [--workers 10%] [--time-scale 0.1] [--settle 1s] [--heartbeat 30000]
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, spawnOperator } from "./operator-process.ts";
import { durationToMs } from "../src/api/duration.ts";
import { upgradePlanResource, type UpgradePlan } from "../src/api/upgradeplan.ts";
import { JOB_RESOURCE, NODE_LABEL, POD_RESOURCE, type Job } from "../src/nodeops/job.ts";
import { silentLogger } from "../src/observability/logger.ts";
import {
  isNodeReady,
  isPodReady,
  NODE_RESOURCE,
  type NodeObject,
  type PodObject,
} from "../src/rollout/kube-objects.ts";
import { mirrorPodNames, rolesFromLabels, tierOf } from "../src/rke2/roles.ts";
import { systemClock } from "../src/runtime/clock.ts";
import { Informer } from "../src/runtime/informer.ts";
import { scaleTopology } from "../src/sim/cluster/topology.ts";
import { OPERATOR_CLIENT, startSim } from "../src/sim/index.ts";
import { idealWallMs, metricValue, overheadSamples, quantile, sumByLabel, type Observed } from "./analysis.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = "v1.31.4+rke2r1";
const { values: flags } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    workers: { type: "string", default: "10%" },
    "time-scale": { type: "string", default: "0.1" },
    settle: { type: "string", default: "1s" },
    heartbeat: { type: "string", default: "30000" },
    out: { type: "string" },
  },
});
const nodeCount = Number(flags.nodes);
const settleMs = durationToMs(flags.settle) ?? 1000;
const workers = /%$/.test(flags.workers) ? flags.workers : Number(flags.workers);

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const sim = await startSim({
  topology: scaleTopology(nodeCount),
  timeScale: Number(flags["time-scale"]),
  workloads: false,
  durations: { heartbeatMs: Number(flags.heartbeat) },
});
const listenPort = await freePort();
const operator = spawnOperator(sim.kubeconfigPath, listenPort, {
  nodeFlags: process.env.BENCH_OPERATOR_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_OPERATOR_PROFILE}`]
    : [],
  stdout: process.env.BENCH_OPERATOR_LOG === undefined ? "ignore" : "inherit",
});
const scrape = async (): Promise<string> => (await fetch(`http://127.0.0.1:${listenPort}/metrics`)).text();
/** Requests the simulated API server accounted to the operator (its User-Agent), by verb. */
const accountedByVerb = (): Record<string, number> => {
  const byVerb: Record<string, number> = {};
  for (const { key, count } of sim.requests?.entries(OPERATOR_CLIENT) ?? [])
    byVerb[key.verb] = (byVerb[key.verb] ?? 0) + count;
  return byVerb;
};

// What happens to each node, seen from outside the operator.
const observed = new Map<string, Observed & { tier: string }>();
const base = { port: sim.port, clock: systemClock, logger: silentLogger() };
const nodes = new Informer<NodeObject>({ ...base, type: NODE_RESOURCE });
const pods = new Informer<PodObject>({ ...base, type: POD_RESOURCE, namespace: "kube-system" });
const jobs = new Informer<Job>({
  ...base,
  type: JOB_RESOURCE,
  namespace: "rke2-lifecycle-jobs",
  labelSelector: "rke2-lifecycle.io/action=upgrade",
});
const checkHealthy = (name: string): void => {
  const entry = observed.get(name);
  const node = nodes.cache.get(name);
  if (!entry || entry.healthyAt !== undefined || !node) return;
  if (!isNodeReady(node) || node.status?.nodeInfo?.kubeletVersion !== TARGET) return;
  const mirror = mirrorPodNames(name, rolesFromLabels(node.metadata.labels)).map((pod) =>
    pods.cache.get(`kube-system/${pod}`),
  );
  if (mirror.every((pod) => pod !== undefined && isPodReady(pod))) entry.healthyAt = Date.now();
};
nodes.addHandler({
  onUpdate: (_, node) => {
    checkHealthy(node.metadata.name);
  },
});
const onPod = (pod: PodObject): void => {
  checkHealthy(pod.spec?.nodeName ?? "");
};
pods.addHandler({
  onAdd: onPod,
  onUpdate: (_, pod) => {
    onPod(pod);
  },
});
jobs.addHandler({
  onAdd: (job) => {
    const name = job.metadata.labels?.[NODE_LABEL] ?? "";
    const node = nodes.cache.get(name);
    observed.set(name, {
      name,
      jobCreatedAt: Date.now(),
      healthyAt: undefined,
      tier: tierOf(rolesFromLabels(node?.metadata.labels)),
    });
  },
});
for (const informer of [nodes, pods, jobs]) informer.start();
await Promise.all([nodes.synced, pods.synced, jobs.synced]);

try {
  await until(
    async () => ((await fetch(`http://127.0.0.1:${listenPort}/readyz`)).ok ? true : undefined),
    "the operator to be ready",
    120_000,
  );
  const metricsBefore = await scrape();
  const simBefore = sim.requests?.snapshot().total ?? 0;
  const fromOperatorBefore = accountedByVerb();
  const simCpuBefore = process.cpuUsage();
  const started = Date.now();
  const plan: UpgradePlan = {
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    metadata: { name: "bench" },
    spec: {
      version: TARGET,
      snapshot: { required: false },
      concurrency: { workers },
      healthGate: { settle: flags.settle, timeout: "10m" },
    },
  };
  await sim.port.create(upgradePlanResource, plan);
  await until(
    async () =>
      (await sim.port.get<UpgradePlan>(upgradePlanResource, "bench"))?.status?.phase === "Succeeded" ? true : undefined,
    "the plan to succeed",
    3_600_000,
  );
  const wallMs = Date.now() - started;
  const metricsAfter = await scrape();
  const simRequests = (sim.requests?.snapshot().total ?? 0) - simBefore;
  const fromOperatorAfter = accountedByVerb();
  const accounted = Object.fromEntries(
    Object.entries(fromOperatorAfter).map(([verb, n]) => [verb, n - (fromOperatorBefore[verb] ?? 0)]),
  );
  const accountedTotal = Object.values(accounted).reduce((a, b) => a + b, 0);
  const simCpu = process.cpuUsage(simCpuBefore);

  const byVerbBefore = sumByLabel(metricsBefore, "rke2_lifecycle_api_requests_total", "verb");
  const byVerbAfter = sumByLabel(metricsAfter, "rke2_lifecycle_api_requests_total", "verb");
  const operatorByVerb = Object.fromEntries(
    Object.entries(byVerbAfter).map(([verb, n]) => [verb, n - (byVerbBefore[verb] ?? 0)]),
  );
  const operatorRequests = Object.values(operatorByVerb).reduce((a, b) => a + b, 0);
  const status = await readFile(`/proc/${String(operator.pid)}/status`, "utf8").catch(() => "");
  const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  const cpu = (text: string): number =>
    (metricValue(text, "process_cpu_user_seconds_total") ?? 0) +
    (metricValue(text, "process_cpu_system_seconds_total") ?? 0);

  const pairs = overheadSamples([...observed.values()], settleMs);
  const samples = pairs.map((pair) => pair.ms);
  const durations = [...observed.values()].flatMap((o) =>
    o.healthyAt === undefined ? [] : [o.healthyAt - o.jobCreatedAt],
  );
  const perNodeMs = quantile(durations, 0.5) + settleMs;
  const tierSizes = ["etcd", "control-plane", "worker"].map(
    (tier) => [...observed.values()].filter((o) => o.tier === tier).length,
  );
  const workerConcurrency =
    typeof workers === "number"
      ? workers
      : Math.max(1, Math.floor(((tierSizes[2] ?? 0) * Number.parseInt(workers, 10)) / 100));
  const ideal = idealWallMs(
    [
      { nodes: tierSizes[0] ?? 0, concurrency: 1 },
      { nodes: tierSizes[1] ?? 0, concurrency: 1 },
      { nodes: tierSizes[2] ?? 0, concurrency: workerConcurrency },
    ],
    perNodeMs,
  );
  const results = {
    nodes: nodeCount,
    upgraded: observed.size,
    workerConcurrency,
    settleMs,
    timeScale: Number(flags["time-scale"]),
    wallSeconds: wallMs / 1000,
    idealSeconds: ideal / 1000,
    wallOverIdeal: wallMs / ideal,
    perNodeMedianMs: perNodeMs,
    overheadMs: {
      samples: samples.length,
      median: quantile(samples, 0.5),
      p99: quantile(samples, 0.99),
      max: Math.max(...samples),
      worst: [...pairs].sort((a, b) => b.ms - a.ms).slice(0, 3),
    },
    // The simulated API server's accounting of the operator's client (its User-Agent).
    operatorRequests: { total: accountedTotal, perNode: accountedTotal / observed.size, byVerb: accounted },
    // The operator's own count (its request metric), as a cross-check.
    operatorRequestsSelfCounted: {
      total: operatorRequests,
      perNode: operatorRequests / observed.size,
      byVerb: operatorByVerb,
    },
    simApiServerRequestsPerNodeAllClients: simRequests / observed.size,
    watchesOpened: { total: byVerbAfter.watch ?? 0, duringRollout: operatorByVerb.watch ?? 0 },
    operatorPeakRssMb: peakRssMb,
    operatorCpuSeconds: { total: cpu(metricsAfter), duringRollout: cpu(metricsAfter) - cpu(metricsBefore) },
    simulatorCpuShareDuringRollout: (simCpu.user + simCpu.system) / 1000 / wallMs,
    operatorReconciles: {
      count:
        (sumByLabel(metricsAfter, "rke2_lifecycle_reconcile_duration_seconds_count", "controller").upgradeplan ?? 0) -
        (sumByLabel(metricsBefore, "rke2_lifecycle_reconcile_duration_seconds_count", "controller").upgradeplan ?? 0),
      seconds:
        (sumByLabel(metricsAfter, "rke2_lifecycle_reconcile_duration_seconds_sum", "controller").upgradeplan ?? 0) -
        (sumByLabel(metricsBefore, "rke2_lifecycle_reconcile_duration_seconds_sum", "controller").upgradeplan ?? 0),
      errors:
        (sumByLabel(metricsAfter, "rke2_lifecycle_reconcile_errors_total", "controller").upgradeplan ?? 0) -
        (sumByLabel(metricsBefore, "rke2_lifecycle_reconcile_errors_total", "controller").upgradeplan ?? 0),
    },
  };
  const out = flags.out ?? join(root, "bench", "results", `upgrade-${String(nodeCount)}.json`);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\nwritten to ${out}\n`);
} finally {
  operator.kill("SIGTERM");
  await Promise.all([nodes.stop(), pods.stop(), jobs.stop()]);
  await sim.stop();
}
