import { expect, it } from "@jest/globals";
import { startSim } from "../../../src/sim/index.ts";
import { demoTopology, scaleTopology } from "../../../src/sim/cluster/topology.ts";
import { NODES, type Node } from "../../../src/sim/cluster/kinds.ts";
import { describeOnSim } from "../../support/lanes.ts";

describeOnSim("simInternals")("simulator at scale", () => {
  it("starts a 1,000-node cluster in a few seconds", async () => {
    const started = Date.now();
    const sim = await startSim({
      topology: scaleTopology(1000),
      timeScale: 0.01,
      workloads: false,
      durations: { heartbeatMs: 5000 },
    });
    const elapsed = Date.now() - started;
    try {
      console.log(`1,000-node sim started in ${elapsed} ms`);
      const nodes = await sim.port.list<Node>(NODES);
      expect(nodes.items).toHaveLength(1000);
      expect(elapsed).toBeLessThan(60_000);
    } finally {
      await sim.stop();
    }
  }, 90_000);

  it("a 7-node cluster runs for compressed minutes with bounded heap", async () => {
    const sim = await startSim({ topology: demoTopology(), timeScale: 0.01 });
    try {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      // 3 s at timeScale 0.01 is 5 minutes of cluster time: heartbeats, leases, watches.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      global.gc?.();
      const after = process.memoryUsage().heapUsed;
      console.log(`heap before ${Math.round(before / 1e6)} MB, after ${Math.round(after / 1e6)} MB`);
      expect(after - before).toBeLessThan(100e6);
    } finally {
      await sim.stop();
    }
  }, 30_000);
});
