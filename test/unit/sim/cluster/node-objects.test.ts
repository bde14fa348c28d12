import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { KubeConfig } from "@kubernetes/client-node";
import { silentLogger } from "../../../../src/observability/logger.ts";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { createKubePort } from "../../../../src/runtime/kube/adapter.ts";
import { kubeConfigConnection } from "../../../../src/runtime/kube/kubeconfig-files.ts";
import { startApiServer, type SimApiServer } from "../../../../src/sim/apiserver/index.ts";
import { scaleDurations } from "../../../../src/sim/cluster/durations.ts";
import { FaultBook } from "../../../../src/sim/cluster/faults.ts";
import { NODES, type Node } from "../../../../src/sim/cluster/kinds.ts";
import { NODE_WRITERS } from "../../../../src/sim/cluster/node-objects.ts";
import { SimNode } from "../../../../src/sim/cluster/sim-node.ts";
import { expandTopology, scaleTopology } from "../../../../src/sim/cluster/topology.ts";

let server: SimApiServer;
beforeAll(async () => {
  server = await startApiServer();
});
afterAll(async () => {
  await server.stop();
});

function portAs(userAgent: string) {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(server.kubeconfigYaml());
  return createKubePort(kubeConfigConnection(kubeConfig), { userAgent });
}

describe("simulated RKE2 Node objects", () => {
  it("are as large as real RKE2 nodes, with the images, annotations and field managers of their writers", async () => {
    const port = portAs("rke2-lifecycle-sim");
    const writers = Object.fromEntries(
      NODE_WRITERS.map((writer) => [writer, portAs(`${writer}/v1.31.4+rke2r1 (linux/amd64)`)]),
    );
    const clock = new FakeClock();
    const deps = { port, clock, log: silentLogger(), durations: scaleDurations(1), faults: new FaultBook(), writers };
    const [server1, , , agent] = expandTopology(scaleTopology(4, "v1.31.4+rke2r1"));
    for (const spec of [server1, agent]) {
      if (!spec) throw new Error("topology too small");
      const node = new SimNode(spec, "v1.31.4+rke2r1", deps);
      await node.register();
      node.stop();
      const stored = await port.get<Node>(NODES, spec.name);
      const bytes = Buffer.byteLength(JSON.stringify(stored));
      expect(bytes).toBeGreaterThanOrEqual(15_000);
      expect(bytes).toBeLessThanOrEqual(40_000);
      expect(stored?.status?.images).toHaveLength(50);
      const managedFields = (stored?.metadata as { managedFields?: { manager: string }[] } | undefined)?.managedFields;
      const managers = new Set(managedFields?.map((entry) => entry.manager));
      expect([...managers].sort()).toEqual(["flanneld", "kube-controller-manager", "kubelet", "rke2"]);
      const annotations = stored?.metadata.annotations ?? {};
      for (const key of [
        "rke2.io/node-args",
        "rke2.io/node-config-hash",
        "rke2.io/hostname",
        "rke2.io/internal-ip",
        "flannel.alpha.coreos.com/backend-data",
        "node.alpha.kubernetes.io/ttl",
        "volumes.kubernetes.io/controller-managed-attach-detach",
      ]) {
        expect(annotations[key]).toBeDefined();
      }
      expect(annotations["etcd.rke2.cattle.io/node-name"] !== undefined).toBe(spec.roles.etcd);
      expect(annotations["rke2.io/node-config-hash"]).toMatch(/^[A-Z2-7]{52}====$/);
    }
  });
});
