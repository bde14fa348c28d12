/**
 * docs/testing.md reliability scenarios 4, 5 and 8: a PodDisruptionBudget that blocks a drain until
 * its timeout, two budgets on one pod (a configuration error), and a server that never comes back.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { DEPLOYMENTS, PDBS } from "../../../src/sim/cluster/kinds.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, budget, freshSim, KillablePort, PATCH, pinnedDeployment, readyPodOn } from "./faults.ts";
import { condition, nodeOf, plan, quickSpec, startOperator, Timeline, upgradeJobs, waitForPlan } from "./harness.ts";

async function node(port: KubePort, name: string): Promise<NodeObject> {
  const found = await port.get<NodeObject>(NODE_RESOURCE, name);
  if (!found) throw new Error(`no node ${name}`);
  return found;
}

/** Waits for the plan's events to include every reason (events are recorded after the status write). */
async function expectEvents(port: KubePort, plan: string, reasons: string[]): Promise<void> {
  await waitFor(
    async () => {
      const seen = new Set(
        (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items
          .filter((e) => e.involvedObject.name === plan)
          .map((e) => e.reason),
      );
      return reasons.every((reason) => seen.has(reason));
    },
    { what: `events ${reasons.join(", ")} on ${plan}` },
  );
}

describe("reliability: failures", () => {
  it("4. a PDB blocks the drain: DrainBlocked names it; at the timeout uncordon, halt; a retry resumes", async () => {
    const sim = await freshSim();
    const timeline = new Timeline(sim.port);
    try {
      await timeline.start();
      await sim.port.create(DEPLOYMENTS, pinnedDeployment("guarded", "agent-1"));
      await sim.port.create(PDBS, budget("guarded", "guarded", 1));
      await readyPodOn(sim.port, "guarded", "agent-1");
      const operator = await startOperator(sim.operatorPort);
      try {
        await sim.port.create(
          upgradePlanResource,
          plan(
            "blocked",
            quickSpec({
              version: PATCH,
              nodeSelector: AGENTS_ONLY,
              drain: { workers: { force: true, timeout: "3s" } },
              failurePolicy: { maxAttemptsPerNode: 1 },
            }),
          ),
        );
        const blocked = await waitForPlan(
          sim.port,
          "blocked",
          (p) => condition(p, "Progressing")?.reason === "DrainBlocked",
          "DrainBlocked",
        );
        expect(condition(blocked, "Progressing")?.message).toContain("refused by PodDisruptionBudget guarded");
        expect(blocked.status?.nodes).toEqual([
          expect.objectContaining({
            name: "agent-1",
            phase: "Draining",
            message: expect.stringContaining("PodDisruptionBudget guarded"),
          }),
        ]);
        expect((await node(sim.port, "agent-1")).spec?.unschedulable).toBe(true);

        const halted = await waitForPlan(sim.port, "blocked", (p) => p.status?.phase === "Halted", "the halt");
        expect(condition(halted, "Degraded")).toMatchObject({ status: "True", reason: "Halted" });
        expect(halted.status?.nodes).toEqual([
          expect.objectContaining({
            name: "agent-1",
            phase: "Failed",
            message: expect.stringContaining("drain did not finish within 3s"),
          }),
        ]);
        const agent = await node(sim.port, "agent-1");
        expect(agent.spec?.unschedulable).toBeUndefined();
        expect(readClaim(agent.metadata.annotations)?.failed).toContain("PodDisruptionBudget guarded");
        await expectEvents(sim.port, "blocked", ["DrainBlocked", "NodeFailed", "Halted"]);
        // No next node: the other agents were never touched and no Job ever ran.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(timeline.entries.filter((e) => e.kind === "claimed").map((e) => e.node)).toEqual(["agent-1"]);
        expect(await upgradeJobs(sim.port)).toEqual([]);

        // The person fixes the cause and asks for a retry: the failed node goes first, then the rest.
        await sim.port.delete(PDBS, "guarded", "demo-apps");
        await sim.port.mergePatch(upgradePlanResource, "blocked", {
          spec: { failurePolicy: { retry: "after-pdb-fix" } },
        });
        const retried = await waitForPlan(
          sim.port,
          "blocked",
          (p) => p.status?.phase === "Succeeded",
          "the retried plan to finish",
          60_000,
        );
        expect(retried.status?.lastRetry).toBe("after-pdb-fix");
        expect(timeline.jobOrder()[0]).toBe("agent-1");
      } finally {
        await operator.stop();
      }
    } finally {
      await timeline.stop();
      await sim.stop();
    }
  }, 60_000);

  it("5. two PDBs match one pod: a configuration error, reported at once and not retried forever", async () => {
    const sim = await freshSim();
    try {
      await sim.port.create(DEPLOYMENTS, pinnedDeployment("doubled", "agent-1"));
      await sim.port.create(PDBS, budget("doubled-a", "doubled", 0));
      await sim.port.create(PDBS, budget("doubled-b", "doubled", 0));
      await readyPodOn(sim.port, "doubled", "agent-1");
      const counting = new KillablePort(sim.operatorPort);
      const operator = await startOperator(counting);
      try {
        // A generous drain timeout: the plan must not wait for it.
        await sim.port.create(
          upgradePlanResource,
          plan(
            "doubled",
            quickSpec({
              version: PATCH,
              nodeSelector: AGENTS_ONLY,
              drain: { workers: { force: true, timeout: "5m" } },
            }),
          ),
        );
        const halted = await waitForPlan(sim.port, "doubled", (p) => p.status?.phase === "Halted", "the halt", 15_000);
        expect(halted.status?.nodes).toEqual([
          expect.objectContaining({
            name: "agent-1",
            phase: "Failed",
            attempts: 1,
            message: expect.stringContaining("more than one PodDisruptionBudget"),
          }),
        ]);
        await expectEvents(sim.port, "doubled", ["DrainFailed", "NodeFailed", "Halted"]);
        const evictions = counting.count((call) => call.verb === "evict");
        await new Promise((resolve) => setTimeout(resolve, 1500));
        expect(counting.count((call) => call.verb === "evict")).toBe(evictions);
        expect((await node(sim.port, "agent-1")).spec?.unschedulable).toBeUndefined();
      } finally {
        await operator.stop();
      }
    } finally {
      await sim.stop();
    }
  }, 60_000);

  it("8. a server never comes back Ready: the attempt fails at the health-gate timeout, the plan halts", async () => {
    const sim = await freshSim();
    try {
      sim.cluster.setFaults({ neverReady: true }, "etcd-1");
      const operator = await startOperator(sim.operatorPort);
      try {
        await sim.port.create(
          upgradePlanResource,
          plan(
            "stuck",
            quickSpec({ healthGate: { settle: "300ms", timeout: "2s" }, failurePolicy: { maxAttemptsPerNode: 1 } }),
          ),
        );
        const halted = await waitForPlan(sim.port, "stuck", (p) => p.status?.phase === "Halted", "the halt", 20_000);
        expect(halted.status?.nodes).toEqual([
          expect.objectContaining({
            name: "etcd-1",
            phase: "Failed",
            message: "not healthy 2s after its Job ended: node is not Ready; kube-system/etcd-etcd-1 is not Ready",
          }),
        ]);
        expect(condition(halted, "Ready")).toMatchObject({ status: "False", reason: "Halted" });
        // The failed server stays cordoned for a person to look at; nothing else starts.
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect((await node(sim.port, "etcd-1")).spec?.unschedulable).toBe(true);
        expect((await upgradeJobs(sim.port)).map(nodeOf)).toEqual(["etcd-1"]);
        expect(
          (await getNodes(sim.port))
            .filter((n) => readClaim(n.metadata.annotations) !== undefined)
            .map((n) => n.metadata.name),
        ).toEqual(["etcd-1"]);
      } finally {
        await operator.stop();
      }
    } finally {
      await sim.stop();
    }
  }, 60_000);
});

async function getNodes(port: KubePort): Promise<NodeObject[]> {
  return (await port.list<NodeObject>(NODE_RESOURCE)).items;
}
