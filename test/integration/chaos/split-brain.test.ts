/**
 * Split brain (issue 13): two operator processes with leader election upgrade the 7-node cluster.
 * The leader is frozen with SIGSTOP past its lease, the standby takes over and goes on, the old
 * leader is thawed with SIGCONT. The API server's request log must show no mutating request from
 * the old leader's identity after the thaw but the ones it names as sent while it led (frozen
 * between the fence and the socket, docs/decisions/fencing.md); invariants 1, 2 and 5 hold and the
 * rollout completes.
 * Written through withSim() and the lane's kubeconfig, so it can run on the real lane once
 * test/support/api-audit.ts reads the kube-apiserver audit log there.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { mutatingRequestsOf, startApiAudit, type ApiRequest } from "../../support/api-audit.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { nodeOf, plan, quickSpec, Timeline, TO, upgradeJobs, waitForPlan } from "../upgradeplan/harness.ts";
import { LEASE_TIMING, leaseHolder, Replica } from "./replica.ts";

const sim = withSim();
const replicas: Replica[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("chaos: split brain", () => {
  it("a leader frozen past its lease writes nothing once thawed; the standby finishes the rollout", async () => {
    startApiAudit(sim());
    const timeline = new Timeline(sim().port);
    await timeline.start();
    try {
      replicas.push(
        new Replica("replica-a", sim().operatorKubeconfigPath),
        new Replica("replica-b", sim().operatorKubeconfigPath),
      );
      const firstHolder = await waitFor(async () => (await leaseHolder(sim().port)) || undefined, {
        timeoutMs: 30_000,
        what: "a leader",
      });
      const leader = replicas.find((replica) => replica.identity === firstHolder);
      const standby = replicas.find((replica) => replica.identity !== firstHolder);
      if (!leader || !standby) throw new Error(`unexpected holder ${firstHolder}`);

      await sim().port.create(upgradePlanResource, plan("split-brain", quickSpec()));
      await waitFor(async () => (await upgradeJobs(sim().port)).length > 0, {
        timeoutMs: 30_000,
        what: "the rollout to start",
      });
      leader.signal("SIGSTOP");
      await waitFor(async () => (await leaseHolder(sim().port)) === standby.identity, {
        timeoutMs: 30_000,
        what: "the standby to take over",
      });
      // Let the new leader act for a while, and the old one stay frozen well past its lease.
      await sleep(LEASE_TIMING.leaseDurationSeconds * 1000);
      const thawedAt = Date.now();
      leader.signal("SIGCONT");
      // client-go's convention: a replica that lost its lease exits (code 1) and is restarted.
      expect(await waitFor(() => leader.exitCode(), { timeoutMs: 20_000, what: "the old leader to exit" })).toBe(1);

      const done = await waitForPlan(
        sim().port,
        "split-brain",
        (p) => p.status?.phase === "Succeeded",
        "the rollout to complete",
        120_000,
      );
      expect(done.status?.phase).toBe("Succeeded");
      const afterThaw = mutatingRequestsOf(sim(), leader.userAgent, thawedAt);
      expect([leader.identity, unexplained(afterThaw, leader.writesSentWhileLeading())]).toEqual([leader.identity, []]);
      expect(mutatingRequestsOf(sim(), standby.userAgent, 0).length).toBeGreaterThan(0);
      expect(leader.log()).toMatch(/lost the leader lease; exiting/);

      // 1: never more than one etcd member down. 2: one node disrupted at a time (no other owner
      // here, so the lock is the plan's). 5: one Job per node and target, no node repeated.
      expect(timeline.maxEtcdDown).toBeLessThanOrEqual(1);
      expect(
        timeline.maxClaimedAtOnce(["etcd-1", "server-1", "server-2", "cp-1", "agent-1", "agent-2", "agent-3"]),
      ).toBe(1);
      const jobs = await upgradeJobs(sim().port);
      expect(jobs.map(nodeOf).sort()).toEqual([
        "agent-1",
        "agent-2",
        "agent-3",
        "cp-1",
        "etcd-1",
        "server-1",
        "server-2",
      ]);
      expect(timeline.jobOrder()).toHaveLength(7);
      expect(done.status?.targetVersion).toBe(TO);
    } finally {
      await timeline.stop();
    }
  }, 240_000);
});

const METHOD_OF_VERB: Record<string, string> = { create: "POST", update: "PUT", patch: "PATCH", delete: "DELETE" };

/** The requests no write in `sentWhileLeading` ("PATCH /path") accounts for, each write used once. */
function unexplained(requests: ApiRequest[], sentWhileLeading: string[]): ApiRequest[] {
  const left = [...sentWhileLeading];
  return requests.filter((request) => {
    const [plural, subresource] = request.resource.split("/");
    const index = left.findIndex((write) => {
      const [method, path = ""] = write.split(" ");
      if (method !== METHOD_OF_VERB[request.verb] || !path.includes(`/${plural}`)) return false;
      if (subresource && !path.endsWith(`/${subresource}`)) return false;
      return request.verb === "create" || !request.name || path.includes(`/${plural}/${request.name}`);
    });
    if (index >= 0) left.splice(index, 1);
    return index < 0;
  });
}
