/**
 * Deleting a plan mid-rollout (kubectl delete, background propagation): its finalizer keeps it
 * until the rollout has wound down. A node whose upgrade Job runs finishes (Job, health gate) and
 * is uncordoned; a node still draining is handed back uncordoned at once; nothing new starts; the
 * disruption lock is freed; then the plan goes, and its Jobs with it.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { NODE_LABEL } from "../../../src/nodeops/job.ts";
import { RELEASE_FINALIZER } from "../../../src/rollout/finalizer.ts";
import { CLAIM_ANNOTATION, readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { DEPLOYMENTS, PDBS } from "../../../src/sim/cluster/kinds.ts";
import { disruptionLockHolder } from "../../support/operator-config.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, budget, freshSim, PATCH, pinnedDeployment } from "./faults.ts";
import { FROM, plan, quickSpec, startOperator, TO, upgradeJobs, nodeOf } from "./harness.ts";

async function nodes(port: KubePort): Promise<NodeObject[]> {
  return (await port.list<NodeObject>(NODE_RESOURCE)).items;
}

async function gone(port: KubePort, name: string): Promise<void> {
  await waitFor(async () => (await port.get<UpgradePlan>(upgradePlanResource, name)) === undefined, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `plan ${name} to be gone`,
  });
}

async function lockFree(port: KubePort): Promise<boolean> {
  return (await disruptionLockHolder(port)) === undefined;
}

describe("deleting an UpgradePlan mid-rollout", () => {
  it("lets the node whose Job runs finish, starts nothing new, then frees everything and goes", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      await sim.port.create(upgradePlanResource, plan("going", quickSpec({ concurrency: { workers: 1 } })));
      const first = await waitFor(async () => (await upgradeJobs(sim.port)).map(nodeOf)[0], {
        timeoutMs: 30_000,
        intervalMs: 20,
        what: "the first upgrade Job",
      });
      await sim.port.delete(upgradePlanResource, "going");

      // Still there, winding down: the finalizer holds it while the Job runs.
      const winding = await sim.port.get<UpgradePlan>(upgradePlanResource, "going");
      expect(winding?.metadata.deletionTimestamp).toBeDefined();
      expect(winding?.metadata.finalizers).toContain(RELEASE_FINALIZER);

      await gone(sim.port, "going");
      const after = await nodes(sim.port);
      expect(after.filter((n) => n.spec?.unschedulable === true).map((n) => n.metadata.name)).toEqual([]);
      expect(
        after.filter((n) => n.metadata.annotations?.[CLAIM_ANNOTATION] !== undefined).map((n) => n.metadata.name),
      ).toEqual([]);
      // The node in progress was finished; no other node was started.
      const upgraded = after.filter((n) => n.status?.nodeInfo?.kubeletVersion === TO).map((n) => n.metadata.name);
      expect(upgraded).toEqual([first]);
      expect(after.filter((n) => n.status?.nodeInfo?.kubeletVersion === FROM)).toHaveLength(after.length - 1);
      expect(await lockFree(sim.port)).toBe(true);
      // Its Jobs are garbage-collected with it.
      await waitFor(async () => (await upgradeJobs(sim.port)).length === 0, {
        timeoutMs: 10_000,
        what: "the plan's Jobs to be collected",
      });
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);

  it("hands a node whose drain is blocked back uncordoned at once, without upgrading it", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      await sim.port.create(DEPLOYMENTS, pinnedDeployment("guarded", "agent-1"));
      await sim.port.create(PDBS, budget("guarded", "guarded", 1));
      const spec = quickSpec({
        version: PATCH,
        nodeSelector: AGENTS_ONLY,
        concurrency: { workers: 1 },
        drain: { workers: { force: true, timeout: "10m" } },
      });
      await sim.port.create(upgradePlanResource, plan("blocked", spec));
      await waitFor(
        async () =>
          (await nodes(sim.port)).some(
            (n) =>
              n.metadata.name === "agent-1" &&
              n.spec?.unschedulable === true &&
              readClaim(n.metadata.annotations)?.attemptStartedAt !== undefined,
          ),
        { timeoutMs: 30_000, intervalMs: 20, what: "agent-1 to be cordoned and draining" },
      ).catch(async (err: unknown) => {
        const plan = await sim.port.get<UpgradePlan>(upgradePlanResource, "blocked");
        throw new Error(`${String(err)}; plan status: ${JSON.stringify(plan?.status)}`);
      });
      await sim.port.delete(upgradePlanResource, "blocked");

      await gone(sim.port, "blocked");
      const agent1 = (await nodes(sim.port)).find((n) => n.metadata.name === "agent-1");
      expect(agent1?.spec?.unschedulable).toBeUndefined();
      expect(readClaim(agent1?.metadata.annotations)).toBeUndefined();
      expect(agent1?.status?.nodeInfo?.kubeletVersion).toBe(FROM);
      expect((await upgradeJobs(sim.port)).map((job) => job.metadata.labels?.[NODE_LABEL])).toEqual([]);
      expect(await lockFree(sim.port)).toBe(true);
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);
});
