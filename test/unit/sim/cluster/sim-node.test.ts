import { describe, expect, it } from "@jest/globals";
import { silentLogger } from "../../../../src/observability/logger.ts";
import { mirrorPodNames } from "../../../../src/rke2/roles.ts";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { KubeError } from "../../../../src/runtime/kube/errors.ts";
import { scaleDurations } from "../../../../src/sim/cluster/durations.ts";
import { FaultBook } from "../../../../src/sim/cluster/faults.ts";
import { PODS, type Pod } from "../../../../src/sim/cluster/kinds.ts";
import { SimNode } from "../../../../src/sim/cluster/sim-node.ts";
import { expandTopology, scaleTopology } from "../../../../src/sim/cluster/topology.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";

const FROM = "v1.30.6+rke2r1";
const TO = "v1.31.4+rke2r1";

async function mirrorPods(port: MemoryKubePort, names: string[]): Promise<{ name: string; ready: boolean }[]> {
  return Promise.all(
    names.map(async (name) => {
      const pod = await port.get<Pod>(PODS, name, "kube-system");
      const ready = pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
      return { name, ready: pod !== undefined && ready };
    }),
  );
}

describe("a simulated node's restart", () => {
  it("recreates the mirror pods on the next beat when a request of the restart failed", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const durations = scaleDurations(1);
    const deps = { port, clock, log: silentLogger(), durations, faults: new FaultBook() };
    const [spec] = expandTopology(scaleTopology(3, FROM));
    if (!spec) throw new Error("empty topology");
    const node = new SimNode(spec, FROM, deps);
    await node.register();
    const names = mirrorPodNames(spec.name, spec.roles);
    expect(names.length).toBeGreaterThan(0);

    await node.restart({ version: TO });
    port.failNext("create", new KubeError("Retriable", "connection reset", { code: 0 }));
    await clock.advance(durations.restartMs);
    await new Promise((resolve) => setImmediate(resolve)); // the restart's requests, in memory, settle
    // The first mirror pod's create failed: the new pods are not all there.
    expect((await mirrorPods(port, names)).every((pod) => pod.ready)).toBe(false);

    await node.beat();
    expect(await mirrorPods(port, names)).toEqual(names.map((name) => ({ name, ready: true })));
    node.stop();
  });
});
