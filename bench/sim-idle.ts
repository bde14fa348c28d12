/**
 * The simulated cluster alone, idle, for profiling and sizing the simulator itself:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/sim-idle.ts --nodes 1000 --seconds 60
 *
 * Starts the sim with N nodes (no workloads, real kubelet cadence unless --heartbeat says
 * otherwise), lets it run, and prints its start time, CPU share and RSS.
 */
import { parseArgs } from "node:util";
import { scaleTopology } from "../src/sim/cluster/topology.ts";
import { startSim } from "../src/sim/index.ts";

const { values: flags } = parseArgs({
  options: {
    nodes: { type: "string", default: "1000" },
    seconds: { type: "string", default: "60" },
    heartbeat: { type: "string", default: "10000" },
  },
});
const nodes = Number(flags.nodes);
const started = Date.now();
const sim = await startSim({ topology: scaleTopology(nodes), timeScale: 1, workloads: false, durations: { heartbeatMs: Number(flags.heartbeat) } });
const startMs = Date.now() - started;
const cpuBefore = process.cpuUsage();
const idleFrom = Date.now();
await new Promise((done) => setTimeout(done, Number(flags.seconds) * 1000));
const cpu = process.cpuUsage(cpuBefore);
const wallMs = Date.now() - idleFrom;
const requests = sim.requests?.snapshot().total ?? 0;
await sim.stop();
process.stdout.write(
  `${JSON.stringify({ nodes, startSeconds: startMs / 1000, idleSeconds: wallMs / 1000, cpuShare: (cpu.user + cpu.system) / 1000 / wallMs, rssMb: process.memoryUsage().rss / 1e6, requests }, null, 2)}\n`,
);
