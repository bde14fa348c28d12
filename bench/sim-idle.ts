/**
 * The simulated cluster idle, alone or with the operator beside it, for profiling and sizing:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/sim-idle.ts --nodes 1000 --seconds 60
 *   node bench/sim-idle.ts --nodes 5000 --seconds 60 --operator
 *
 * Starts the sim with N realistic nodes (no workloads, the kubelet's real 10 s heartbeat unless
 * --heartbeat says otherwise) and lets it run. It prints the sim's start time, CPU share and RSS;
 * with --operator also the operator's time to ready (caches synced), its RSS after the idle
 * period and at peak (VmHWM), and its live V8 heap. No plan runs: this is the operator's baseline.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { freePort, spawnOperator } from "./operator-process.ts";
import { scaleTopology } from "../src/sim/cluster/topology.ts";
import { startSim } from "../src/sim/index.ts";
import { metricValue } from "./analysis.ts";

const { values: flags } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    heartbeat: { type: "string", default: "10000" },
    operator: { type: "boolean", default: false },
  },
});

const memoryMb = async (pid: number | undefined): Promise<{ rssMb: number; peakMb: number }> => {
  const status = await readFile(`/proc/${String(pid)}/status`, "utf8").catch(() => "");
  const kb = (field: string): number =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssMb: kb("VmRSS"), peakMb: kb("VmHWM") };
};

const nodes = Number(flags.nodes);
const started = Date.now();
const sim = await startSim({
  topology: scaleTopology(nodes),
  timeScale: 1,
  workloads: false,
  durations: { heartbeatMs: Number(flags.heartbeat) },
});
const simStartSeconds = (Date.now() - started) / 1000;

let operatorReport: object | undefined;
const listenPort = await freePort();
const operator = flags.operator ? spawnOperator(sim.kubeconfigPath, listenPort) : undefined;
const cpuBefore = process.cpuUsage();
const idleFrom = Date.now();
try {
  if (operator) {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${String(listenPort)}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() - idleFrom > 300_000) throw new Error("the operator did not become ready in 5 min");
      await new Promise((done) => setTimeout(done, 100));
    }
    const readySeconds = (Date.now() - idleFrom) / 1000;
    await new Promise((done) => setTimeout(done, Number(flags.seconds) * 1000));
    // The live heap against the RSS: how much of the RSS is data, how much V8's and the process's own.
    const metrics = await (await fetch(`http://127.0.0.1:${String(listenPort)}/metrics`)).text();
    const heapMb = (metric: string): number => (metricValue(metrics, metric) ?? Number.NaN) / 1e6;
    const heap = {
      heapUsedMb: heapMb("nodejs_heap_size_used_bytes"),
      heapTotalMb: heapMb("nodejs_heap_size_total_bytes"),
    };
    operatorReport = { readySeconds, ...(await memoryMb(operator.pid)), ...heap };
  } else {
    await new Promise((done) => setTimeout(done, Number(flags.seconds) * 1000));
  }
} finally {
  operator?.kill("SIGTERM");
}
const cpu = process.cpuUsage(cpuBefore);
const wallMs = Date.now() - idleFrom;
const requests = sim.requests?.snapshot().total ?? 0;
const simRssMb = process.memoryUsage().rss / 1e6;
await sim.stop();
const report = {
  nodes,
  simStartSeconds,
  idleSeconds: wallMs / 1000,
  simCpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
  simRssMb,
  requests,
  ...(operatorReport ? { operator: operatorReport } : {}),
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
