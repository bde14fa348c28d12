/**
 * A plan that requires its pre-upgrade snapshot (the default) but names no EtcdSnapshotPolicy:
 * the operator takes a local snapshot `pre-upgrade-<plan>` on one etcd member, waits until RKE2
 * records it (ETCDSnapshotFile ready), and only then touches a node. It waits on its caches, not
 * by listing: no LIST of Jobs, Nodes or ETCDSnapshotFiles while the plan runs.
 */
import { describe, expect, it } from "@jest/globals";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { JOB_RESOURCE, NODE_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { freshSim, PATCH } from "./faults.ts";
import { condition, JOBS_NAMESPACE, plan, quickSpec, startOperator, upgradeJobs, waitForPlan } from "./harness.ts";

const NODE = "agent-1";

describe("pre-upgrade snapshot without a policy", () => {
  it("takes a local snapshot on an etcd member, verified by RKE2's record, before the first node", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      const spec = quickSpec({
        version: PATCH,
        nodeSelector: { matchLabels: { "kubernetes.io/hostname": NODE } },
        snapshot: {},
      });
      const before = sim.operatorRequests.entries.length;
      await sim.port.create(upgradePlanResource, plan("local-snap", spec));
      const done = await waitForPlan(
        sim.port,
        "local-snap",
        (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Halted",
        "the plan to end",
        60_000,
      );

      const listed = sim.operatorRequests.entries
        .slice(before)
        .filter(
          (request) => request.verb === "list" && ["etcdsnapshotfiles", "jobs", "nodes"].includes(request.resource),
        );
      expect(listed).toEqual([]);
      expect(done.status?.phase).toBe("Succeeded");
      expect(condition(done, "SnapshotTaken")).toMatchObject({ status: "True" });
      const saves = (
        await sim.port.list<Job>(JOB_RESOURCE, {
          namespace: JOBS_NAMESPACE,
          labelSelector: "rke2-lifecycle.io/action=snapshot-save",
        })
      ).items;
      expect(saves).toHaveLength(1);
      const etcdMember = saves[0]?.metadata.labels?.[NODE_LABEL] ?? "";
      const member = await sim.port.get<NodeObject>(NODE_RESOURCE, etcdMember);
      expect(member?.metadata.labels?.["node-role.kubernetes.io/etcd"]).toBe("true");
      const records = (await sim.port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items.filter((file) =>
        file.spec.snapshotName.startsWith("pre-upgrade-local-snap-"),
      );
      expect(records).toHaveLength(1);
      expect(records[0]?.spec.location).toMatch(/^file:\/\/\/var\/lib\/rancher\/rke2\/server\/db\/snapshots\//);
      expect(records[0]?.status?.readyToUse).toBe(true);

      // The snapshot finished before the node's upgrade Job was created.
      const [upgrade] = await upgradeJobs(sim.port);
      const snapshotDone = Date.parse(saves[0]?.status?.completionTime ?? "");
      expect(Date.parse(upgrade?.metadata.creationTimestamp ?? "")).toBeGreaterThanOrEqual(snapshotDone);
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);
});
