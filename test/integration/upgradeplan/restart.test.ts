/**
 * docs/testing.md reliability scenarios 1-3: the operator killed mid-drain, killed between creating a
 * Job and writing status, and two replicas where only the Lease holder acts.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { OPERATOR_FLAGS } from "../../../src/config.ts";
import { policyPreUpgradeSnapshots } from "../../../src/controllers/index.ts";
import { createUpgradePlanController } from "../../../src/controllers/upgradeplan/index.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { runOperator } from "../../../src/operator/run.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, freshSim, KillablePort, PATCH, WRITES } from "./faults.ts";
import {
  FAST,
  getPlan,
  nodeOf,
  operatorConfig,
  plan,
  quickSpec,
  startOperator,
  Timeline,
  upgradeJobs,
  waitForPlan,
} from "./harness.ts";

const AGENTS = ["agent-1", "agent-2", "agent-3"];

async function claimedNodes(port: KubePort): Promise<string[]> {
  const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
  return nodes.filter((node) => readClaim(node.metadata.annotations) !== undefined).map((node) => node.metadata.name);
}

describe("reliability: restarts", () => {
  it("1. killed mid-drain: the next operator resumes the same node; one Job per node and target", async () => {
    const sim = await freshSim();
    const timeline = new Timeline(sim.port);
    try {
      await timeline.start();
      sim.cluster.setFaults({ slowDrain: true });
      const first = new KillablePort(sim.operatorPort);
      first.dieAfter((call) => call.verb === "evict");
      const killed = await startOperator(first);
      await sim.port.create(
        upgradePlanResource,
        plan("resume", quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY })),
      );
      await waitFor(() => first.dead, { what: "the first operator to die mid-drain" });
      await killed.stop();
      const draining = await claimedNodes(sim.port);
      expect(draining).toHaveLength(1);

      const second = await startOperator(sim.operatorPort);
      try {
        await waitForPlan(sim.port, "resume", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      } finally {
        await second.stop();
      }
      expect(timeline.jobOrder()[0]).toBe(draining[0]);
      expect(timeline.maxClaimedAtOnce(AGENTS)).toBe(1);
      expect((await upgradeJobs(sim.port)).map(nodeOf).sort()).toEqual(AGENTS);
    } finally {
      await timeline.stop();
      await sim.stop();
    }
  }, 90_000);

  it("2. killed between creating the Job and writing status: the Job is adopted, never doubled", async () => {
    const sim = await freshSim();
    try {
      const first = new KillablePort(sim.operatorPort);
      first.dieAfter((call) => call.verb === "create" && call.type?.plural === "jobs");
      const killed = await startOperator(first);
      await sim.port.create(
        upgradePlanResource,
        plan("adopt", quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY })),
      );
      await waitFor(() => first.dead, { what: "the first operator to die after creating a Job" });
      await killed.stop();
      const [orphan] = await upgradeJobs(sim.port);
      if (!orphan) throw new Error("the first operator created no Job");
      // It died before writing any status about that Job.
      expect(
        (await getPlan(sim.port, "adopt"))?.status?.nodes?.some((node) => node.job === orphan.metadata.name) ?? false,
      ).toBe(false);

      const second = await startOperator(sim.operatorPort);
      try {
        await waitForPlan(sim.port, "adopt", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      } finally {
        await second.stop();
      }
      const jobs = await upgradeJobs(sim.port);
      expect(jobs.map(nodeOf).sort()).toEqual(AGENTS);
      expect(jobs.find((job) => nodeOf(job) === nodeOf(orphan))?.metadata.uid).toBe(orphan.metadata.uid);
    } finally {
      await sim.stop();
    }
  }, 90_000);

  it("3. two replicas: only the Lease holder acts; the other takes over within the lease duration", async () => {
    const sim = await freshSim();
    const ports = { a: new KillablePort(sim.operatorPort), b: new KillablePort(sim.operatorPort) };
    const start = (identity: "a" | "b") =>
      runOperator(
        {
          ...operatorConfig(),
          leaderElect: true,
          leaseName: OPERATOR_FLAGS.leaseName.default /* the chart grants the default Lease name only */,
        },
        {
          log: silentLogger(),
          port: ports[identity],
          identity,
          host: "127.0.0.1",
          factories: [
            (context) =>
              createUpgradePlanController(context, { ...FAST, snapshots: policyPreUpgradeSnapshots(context) }),
          ],
        },
      );
    const replicas = { a: await start("a"), b: await start("b") };
    try {
      const leader = await waitFor(() => (replicas.a.isLeader() ? "a" : replicas.b.isLeader() ? "b" : undefined), {
        what: "a leader",
        timeoutMs: 20_000,
      });
      const standby = leader === "a" ? "b" : "a";
      await sim.port.create(
        upgradePlanResource,
        plan(
          "ha",
          quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY, healthGate: { settle: "1s", timeout: "60s" } }),
        ),
      );
      await waitFor(async () => (await upgradeJobs(sim.port)).length >= 1, { what: "the leader to start a node" });
      const isWork = (call: { verb: string; type?: { plural: string } | undefined }): boolean =>
        WRITES.includes(call.verb) && call.type?.plural !== "leases";
      expect(ports[standby].count(isWork)).toBe(0);

      // The leader's process dies (no clean release): the standby waits out the lease, then acts.
      const killedAt = Date.now();
      ports[leader].kill();
      await waitFor(() => replicas[standby].isLeader(), {
        what: "the standby to take over",
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      // client-go semantics: the lease (15 s) counts from when the standby last saw it renewed,
      // and the standby looks every retry period (2 s, jittered up to 2.2x).
      expect(Date.now() - killedAt).toBeLessThan(15_000 + 2 * 4_400);
      await waitForPlan(sim.port, "ha", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      expect(ports[standby].count(isWork)).toBeGreaterThan(0);
      expect((await upgradeJobs(sim.port)).map(nodeOf).sort()).toEqual(AGENTS);
    } finally {
      await Promise.all([replicas.a.stop(), replicas.b.stop()]);
      await sim.stop();
    }
  }, 120_000);
});
