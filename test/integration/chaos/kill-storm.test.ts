/**
 * Kill storm (issue 13): during a 7-node upgrade the operator process is SIGKILLed at 10 seeded
 * random moments and restarted each time (a fresh replica campaigns for the Lease the dead one never
 * released). The invariants hold, exactly one upgrade Job exists per node and target, and no node
 * is left cordoned. Through withSim() and the lane's kubeconfig.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { getPlan, imageOf, nodeOf, plan, quickSpec, Timeline, TO, upgradeJobs, waitForPlan } from "../upgradeplan/harness.ts";
import { Replica } from "./replica.ts";

const SEED = 13;
const KILLS = 10;
const IDENTITY = "operator-0";
const ALL_NODES = ["agent-1", "agent-2", "agent-3", "cp-1", "etcd-1", "server-1", "server-2"];

/** mulberry32: a small seeded generator, so a failing storm can be replayed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sim = withSim();
const replicas: Replica[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("chaos: kill storm", () => {
  it(`SIGKILL at ${KILLS} seeded moments of a 7-node upgrade: one Job per node and target, nothing left cordoned`, async () => {
    const random = seeded(SEED);
    const timeline = new Timeline(sim().port);
    await timeline.start();
    try {
      await sim().port.create(upgradePlanResource, plan("storm", quickSpec()));
      const killedAfterMs: number[] = [];
      const progressAtKill: string[] = [];
      for (let life = 0; life < KILLS; life++) {
        // Same identity each life, as a container restarted in its pod: it takes its Lease back at once.
        const replica = new Replica(IDENTITY, sim().kubeconfigPath);
        replicas.push(replica);
        await waitFor(() => /became leader/.test(replica.log()), { timeoutMs: 30_000, what: `life ${life} to lead` });
        // A moment in its first 2.5 s of leading: cache sync, a round, mid-drain, mid-Job.
        const delay = Math.round(200 + random() * 2300);
        await sleep(delay);
        replica.signal("SIGKILL");
        await replica.exited;
        killedAfterMs.push(delay);
        const current = await getPlan(sim().port, "storm");
        progressAtKill.push(current?.status?.progress ?? "");
      }
      const last = new Replica(IDENTITY, sim().kubeconfigPath);
      replicas.push(last);
      const done = await waitForPlan(sim().port, "storm", (p) => p.status?.phase === "Succeeded", "the rollout to complete", 120_000);
      expect(done.status?.targetVersion).toBe(TO);
      expect(killedAfterMs).toHaveLength(KILLS);
      // The storm hit the rollout, not a finished plan.
      const finished = `${ALL_NODES.length}/${ALL_NODES.length}`;
      expect([progressAtKill, progressAtKill.filter((p) => p !== finished).length >= KILLS / 2]).toEqual([progressAtKill, true]);

      const jobs = await upgradeJobs(sim().port);
      expect(jobs.map(nodeOf).sort()).toEqual(ALL_NODES);
      expect(new Set(jobs.map(imageOf)).size).toBe(1);
      const nodes = (await sim().port.list<NodeObject>(NODE_RESOURCE)).items;
      expect(nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata.name)).toEqual([]);
      expect(nodes.filter((node) => readClaim(node.metadata.annotations) !== undefined).map((node) => node.metadata.name)).toEqual([]);
      expect(timeline.maxEtcdDown).toBeLessThanOrEqual(1);
      expect(timeline.maxClaimedAtOnce(ALL_NODES)).toBe(1);
      expect(timeline.jobOrder()).toHaveLength(ALL_NODES.length);
    } finally {
      await timeline.stop();
    }
  }, 300_000);
});
