/**
 * drain.disableEviction end to end: a worker runs a pod whose PodDisruptionBudget allows no
 * disruption, so every eviction of it is refused (429) for as long as the budget stands. With
 * disableEviction the operator deletes the pod instead (kubectl drain --disable-eviction), the
 * budget is bypassed, and the plan upgrades the node. The sim's request accounting shows what the
 * operator's own client sent: DELETE pods/<name>, never POST pods/<name>/eviction.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { completionLabelKey, readClaim, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject, type PodObject } from "../../../src/rollout/kube-objects.ts";
import { DEPLOYMENTS, PDBS, PODS } from "../../../src/sim/cluster/kinds.ts";
import { budget, freshSim, PATCH, pinnedDeployment, readyPodOn } from "./faults.ts";
import { condition, plan, quickSpec, startOperator, waitForPlan } from "./harness.ts";

const NODE = "agent-1";
const NS = "demo-apps";

describe("drain: disableEviction", () => {
  it("deletes (never evicts) a pod whose PodDisruptionBudget refuses every eviction; the node upgrades", async () => {
    const sim = await freshSim();
    const requests = sim.operatorRequests;
    try {
      await sim.port.create(DEPLOYMENTS, pinnedDeployment("guarded", NODE));
      // minAvailable equal to replicas: zero disruptions allowed.
      await sim.port.create(PDBS, budget("guarded", "guarded", 1));
      const pod = await readyPodOn(sim.port, "guarded", NODE);
      // The budget really refuses: an eviction (from the test's own client) is answered 429.
      await expect(sim.port.evict(pod, NS)).rejects.toMatchObject({ errorClass: "TooManyRequests" });

      const operator = await startOperator(sim.operatorPort);
      try {
        // Only agent-1; one attempt and a short drain timeout, so an eviction path fails fast (Halted).
        const spec = quickSpec({
          version: PATCH,
          nodeSelector: { matchLabels: { "kubernetes.io/hostname": NODE } },
          drain: { workers: { force: true, disableEviction: true, timeout: "10s" } },
          failurePolicy: { maxAttemptsPerNode: 1 },
        });
        await sim.port.create(upgradePlanResource, plan("no-eviction", spec));
        const ended = await waitForPlan(
          sim.port,
          "no-eviction",
          (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Halted",
          "the plan to end",
          30_000,
        );
        expect({ phase: ended.status?.phase, nodes: ended.status?.nodes }).toEqual({
          phase: "Succeeded",
          nodes: undefined,
        });
        expect(ended.status?.counts).toMatchObject({ total: 1, upgraded: 1, failed: 0 });
        expect(condition(ended, "Ready")?.status).toBe("True");
      } finally {
        await operator.stop();
      }

      // The wire: the operator deleted the guarded pod and never asked for an eviction of anything.
      const mine = { group: "", namespace: NS };
      expect(requests.count({ ...mine, verb: "delete", resource: "pods", name: pod })).toBeGreaterThanOrEqual(1);
      expect(requests.count({ ...mine, verb: "create", resource: "pods", subresource: "eviction", name: pod })).toBe(0);
      expect(requests.count({ resource: "pods", subresource: "eviction" })).toBe(0);
      expect(requests.count({ verb: "delete", resource: "pods" })).toBeGreaterThanOrEqual(1);

      // The pod is gone (its Deployment made a new one), and the budget still stands.
      expect(await sim.port.get<PodObject>(PODS, pod, NS)).toBeUndefined();
      expect(await sim.port.get(PDBS, "guarded", NS)).toBeDefined();

      // The node: upgraded, marked done, uncordoned, claim released.
      const node = await sim.port.get<NodeObject>(NODE_RESOURCE, NODE);
      expect(node?.status?.nodeInfo?.kubeletVersion).toBe(PATCH);
      expect(node?.metadata.labels?.[completionLabelKey("UpgradePlan", "no-eviction")]).toBe(targetHash(PATCH));
      expect(node?.spec?.unschedulable).toBeUndefined();
      expect(readClaim(node?.metadata.annotations)).toBeUndefined();
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
