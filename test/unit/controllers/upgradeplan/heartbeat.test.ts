/**
 * A Node heartbeat that changes nothing the rollout reads starts no reconcile (issue 15): the
 * kubelet posts its status every few minutes with fresh heartbeat times, and renews its Lease
 * every 10 s; neither may wake a plan, or the cost of a round grows with cluster size.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource, type UpgradePlan } from "../../../../src/api/upgradeplan.ts";
import { termContext } from "../../../../src/controllers/context.ts";
import { policyPreUpgradeSnapshots } from "../../../../src/controllers/index.ts";
import { createUpgradePlanController } from "../../../../src/controllers/upgradeplan/index.ts";
import { silentLogger } from "../../../../src/observability/logger.ts";
import { createMetrics, type OperatorMetrics } from "../../../../src/observability/metrics.ts";
import { FakeClock, flushMicrotasks } from "../../../../src/runtime/clock.ts";
import { LEASES, NODES, type Node } from "../../../../src/sim/cluster/kinds.ts";
import {
  buildNode,
  buildNodeLease,
  buildNodeStatus,
  nodeMetadataPatches,
} from "../../../../src/sim/cluster/node-objects.ts";
import { expandTopology, scaleTopology } from "../../../../src/sim/cluster/topology.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";
import { operatorConfig } from "../../../support/operator-config.ts";

const VERSION = "v1.31.4+rke2r1";

async function reconciles(metrics: OperatorMetrics): Promise<number> {
  return (await metrics.reconcileTotal.get()).values.reduce((sum, entry) => sum + entry.value, 0);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await flushMicrotasks();
}

describe("UpgradePlan wake-ups", () => {
  it("a status post that only moves heartbeat times, or a Lease renewal, starts no reconcile; Ready does", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const [spec] = expandTopology(scaleTopology(1, VERSION));
    if (!spec) throw new Error("no node");
    await port.create(NODES, buildNode(spec));
    for (const { patch } of nodeMetadataPatches(spec, VERSION)) await port.mergePatch(NODES, spec.name, patch);
    const posted = await port.patchStatus<Node>(
      NODES,
      spec.name,
      buildNodeStatus(spec, VERSION, "ready", clock.now(), undefined),
    );
    await port.create(LEASES, buildNodeLease(spec.name, posted.metadata.uid, clock.now()));

    const metrics = createMetrics({ defaultMetrics: false });
    const context = termContext({ port, clock, log: silentLogger(), metrics, config: operatorConfig() });
    const module = createUpgradePlanController(context, { snapshots: policyPreUpgradeSnapshots(context) });
    for (const informer of module.informers) informer.start();
    await Promise.all(module.informers.map((informer) => informer.synced));
    module.controller.start();
    const plan: UpgradePlan = {
      apiVersion: upgradePlanResource.apiVersion,
      kind: upgradePlanResource.kind,
      metadata: { name: "p" },
      spec: { version: VERSION, paused: true },
    };
    await port.create(upgradePlanResource, plan);
    await settle();
    const before = await reconciles(metrics);
    expect(before).toBeGreaterThan(0);

    // The next status report, 5 min later (the clock itself stays: a due requeue is not a heartbeat).
    const later = clock.now() + 300_000;
    const current = await port.get<Node>(NODES, spec.name);
    const heartbeat = buildNodeStatus(spec, VERSION, "ready", later, current?.status);
    expect(heartbeat.conditions?.[0]?.lastHeartbeatTime).not.toEqual(
      current?.status?.conditions?.[0]?.lastHeartbeatTime,
    );
    await port.patchStatus(NODES, spec.name, heartbeat);
    await port.mergePatch(
      LEASES,
      spec.name,
      { spec: buildNodeLease(spec.name, undefined, later).spec },
      "kube-node-lease",
    );
    await settle();
    expect(await reconciles(metrics)).toBe(before);

    await port.patchStatus(NODES, spec.name, buildNodeStatus(spec, VERSION, "not-ready", later, heartbeat));
    await settle();
    expect(await reconciles(metrics)).toBeGreaterThan(before);

    await module.controller.stop();
    await Promise.all(module.informers.map((informer) => informer.stop()));
  });
});
