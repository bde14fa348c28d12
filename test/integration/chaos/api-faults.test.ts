/**
 * Scenario 14 (issue 13): 5 % of the operator's API requests fail with 500 and every watch (the
 * sim's too) is cut every 3 s, the connection reset mid-stream as a flaky network or load balancer
 * does (not the clean end of a server-side timeout). A 7-node upgrade with a required
 * snapshot and a triggered snapshot converge anyway. The errors are aimed at the operator: the
 * sim's kubelets do not retry every write as real ones do. On the real lane a fault proxy between
 * the operator and kube-apiserver injects them (test/support/fault-proxy.ts), so there only the
 * operator's watches are cut.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { getPolicy, policy } from "../etcdsnapshotpolicy/harness.ts";
import {
  createLocalSnapshotPolicy,
  nodeOf,
  plan,
  quickSpec,
  Timeline,
  TO,
  upgradeJobs,
  waitForPlan,
} from "../upgradeplan/harness.ts";
import { Replica } from "./replica.ts";

const sim = withSim({ apiFaults: true });
const replicas: Replica[] = [];
afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
});

describe("chaos: API faults", () => {
  it("5 % of requests fail and watches drop every 3 s: the upgrade and a triggered snapshot converge", async () => {
    const apiFaults = sim().apiFaults;
    if (!apiFaults) throw new Error("no fault knobs");
    const timeline = new Timeline(sim().port);
    await timeline.start();
    try {
      await createLocalSnapshotPolicy(sim().port, "local");
      await sim().port.create(
        etcdSnapshotPolicyResource,
        policy("on-demand", { schedule: "0 0 1 1 *", suspend: true, trigger: "chaos" }),
      );
      Object.assign(apiFaults.faults, {
        errorRate: 0.05,
        faultyClient: "rke2-lifecycle-operator",
        dropWatchEverySeconds: 3,
        abruptWatchDrops: true,
      });
      const replica = new Replica("faulty-0", sim().operatorKubeconfigPath);
      replicas.push(replica);
      await sim().port.create(
        upgradePlanResource,
        plan("faulty", quickSpec({ snapshot: { required: true, policyRef: "local" } })),
      );

      const done = await waitForPlan(
        sim().port,
        "faulty",
        (p) => p.status?.phase === "Succeeded",
        "the upgrade to converge",
        180_000,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}\noperator warnings:\n${replica.warnings(20)}`, { cause: err });
      });
      expect(done.status?.targetVersion).toBe(TO);
      const snapshot = await waitFor(
        async () => {
          const current = await getPolicy(sim().port, "on-demand");
          return current?.status?.lastTrigger === "chaos" && current.status.lastSuccessfulSnapshot
            ? current
            : undefined;
        },
        { timeoutMs: 60_000, what: "the triggered snapshot" },
      );
      expect(snapshot.status?.consecutiveFailures ?? 0).toBe(0);
      expect(apiFaults.requests.count({ client: "rke2-lifecycle-operator" })).toBeGreaterThan(100);

      expect((await upgradeJobs(sim().port)).map(nodeOf).sort()).toEqual([
        "agent-1",
        "agent-2",
        "agent-3",
        "cp-1",
        "etcd-1",
        "server-1",
        "server-2",
      ]);
      expect(timeline.maxEtcdDown).toBeLessThanOrEqual(1);
    } finally {
      Object.assign(apiFaults.faults, {
        errorRate: 0,
        faultyClient: "",
        dropWatchEverySeconds: 0,
        abruptWatchDrops: false,
      });
      await timeline.stop();
    }
  }, 300_000);
});
