/**
 * Kill storm (issue 13): during a 7-node upgrade the operator process is SIGKILLed at 10 seeded
 * random moments and restarted each time (a fresh replica campaigns for the Lease the dead one never
 * released). The invariants hold, exactly one upgrade Job exists per node and target, and no node
 * is left cordoned. The same storm then runs over a CertRotation of every node. Through withSim()
 * and the lane's kubeconfig.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  AGENT,
  AGENTS,
  certRotation,
  DAY_MS,
  nodeOf as rotatedNode,
  quickSpec as rotationSpec,
  rotateJobs,
  SERVERS,
  TLS,
  waitForCr,
  waitForReported,
} from "../certrotation/harness.ts";
import {
  getPlan,
  imageOf,
  nodeOf,
  plan,
  quickSpec,
  Timeline,
  TO,
  upgradeJobs,
  waitForPlan,
} from "../upgradeplan/harness.ts";
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

// A rotation of 2 s a node (rke2 stopped, `certificate rotate`), so that the 10 lives of the storm
// (each 0.2-2.5 s of leading after its start) fall while the rotation runs, however fast a machine
// starts the operator: at the compressed 50 ms a node, the last kills came after all 7 Jobs.
const sim = withSim({ durations: { certRotateMs: 2_000 } });
const replicas: Replica[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts a replica, waits for it to lead, kills it with SIGKILL a seeded moment later, KILLS
 * times; returns `progress()` read after each kill.
 */
async function killStorm(seed: number, progress: () => Promise<string>): Promise<string[]> {
  const random = seeded(seed);
  const progressAtKill: string[] = [];
  for (let life = 0; life < KILLS; life++) {
    // Same identity each life, as a container restarted in its pod: it takes its Lease back at once.
    const replica = new Replica(IDENTITY, sim().operatorKubeconfigPath);
    replicas.push(replica);
    await waitFor(() => /became leader/.test(replica.log()), { timeoutMs: 30_000, what: `life ${life} to lead` });
    // A moment in its first 2.5 s of leading: cache sync, a round, mid-drain, mid-Job.
    await sleep(Math.round(200 + random() * 2300));
    replica.signal("SIGKILL");
    await replica.exited;
    progressAtKill.push(await progress());
  }
  return progressAtKill;
}

describe("chaos: kill storm", () => {
  it(`SIGKILL at ${KILLS} seeded moments of a 7-node upgrade: one Job per node and target, none cordoned`, async () => {
    const timeline = new Timeline(sim().port);
    await timeline.start();
    try {
      await sim().port.create(upgradePlanResource, plan("storm", quickSpec()));
      const progressAtKill = await killStorm(
        SEED,
        async () => (await getPlan(sim().port, "storm"))?.status?.progress ?? "",
      );
      const last = new Replica(IDENTITY, sim().operatorKubeconfigPath);
      replicas.push(last);
      const done = await waitForPlan(
        sim().port,
        "storm",
        (p) => p.status?.phase === "Succeeded",
        "the rollout to complete",
        120_000,
      );
      expect(done.status?.targetVersion).toBe(TO);
      // The storm hit the rollout, not a finished plan.
      const finished = `${ALL_NODES.length}/${ALL_NODES.length}`;
      expect([progressAtKill, progressAtKill.filter((p) => p !== finished).length >= KILLS / 2]).toEqual([
        progressAtKill,
        true,
      ]);

      const jobs = await upgradeJobs(sim().port);
      expect(jobs.map(nodeOf).sort()).toEqual(ALL_NODES);
      expect(new Set(jobs.map(imageOf)).size).toBe(1);
      const nodes = (await sim().port.list<NodeObject>(NODE_RESOURCE)).items;
      expect(nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata.name)).toEqual([]);
      expect(
        nodes.filter((node) => readClaim(node.metadata.annotations) !== undefined).map((node) => node.metadata.name),
      ).toEqual([]);
      expect(timeline.maxEtcdDown).toBeLessThanOrEqual(1);
      expect(timeline.maxClaimedAtOnce(ALL_NODES)).toBe(1);
      expect(timeline.jobOrder()).toHaveLength(ALL_NODES.length);
      await last.stop();
    } finally {
      await timeline.stop();
    }
  }, 300_000);

  it(`the same storm over a CertRotation of all 7 nodes: one rotate Job per node, nothing left cordoned`, async () => {
    const timeline = new Timeline(sim().port);
    await timeline.start();
    try {
      const expiring = (node: string): string =>
        AGENTS.includes(node) ? `${AGENT}/client-kubelet.crt` : `${TLS}/client-admin.crt`;
      const expiresAt = Date.now() + 20 * DAY_MS;
      for (const node of ALL_NODES) sim().cluster.setCertificateExpiry(node, expiring(node), new Date(expiresAt));
      for (const node of ALL_NODES) await waitForReported(sim().port, node, expiring(node), expiresAt);
      await sim().port.create(certRotationResource, certRotation("storm", rotationSpec({ renewBefore: "720h" })));
      const progressAtKill = await killStorm(SEED + 1, async () => String((await rotateJobs(sim().port)).length));
      const last = new Replica(IDENTITY, sim().operatorKubeconfigPath);
      replicas.push(last);
      const done = await waitForCr(
        sim().port,
        "storm",
        (cr) => cr.status?.phase === "Idle" && cr.status.summary?.expiringSoon === 0,
        "the rotation to finish",
        120_000,
      );
      expect(done.status?.summary).toMatchObject({ nodes: 7, expiringSoon: 0, rotating: 0, failed: 0 });
      // The storm hit the rotation: kills before every node had its Job.
      expect([
        progressAtKill,
        progressAtKill.filter((jobs) => Number(jobs) < ALL_NODES.length).length >= KILLS / 2,
      ]).toEqual([progressAtKill, true]);

      expect((await rotateJobs(sim().port)).map(rotatedNode).sort()).toEqual(ALL_NODES);
      const nodes = (await sim().port.list<NodeObject>(NODE_RESOURCE)).items;
      expect(nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata.name)).toEqual([]);
      expect(
        nodes.filter((node) => readClaim(node.metadata.annotations) !== undefined).map((node) => node.metadata.name),
      ).toEqual([]);
      expect(timeline.maxEtcdDown).toBeLessThanOrEqual(1);
      expect(timeline.maxClaimedAtOnce(SERVERS)).toBe(1);
      await last.stop();
    } finally {
      await timeline.stop();
    }
  }, 300_000);
});
