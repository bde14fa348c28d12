/**
 * docs/testing.md reliability scenarios 6, 7, 9, 10 and 13: a pre-cordoned node, an etcd member
 * failing mid-rollout, a window closing mid-rollout, a target changed mid-rollout, and the
 * disruption lock held by a second operation. For scenario 13 the test holds the lock for a
 * CertRotation itself (through the same DisruptionLock) so the moment is deterministic;
 * certrotation/with-upgrade.test.ts runs both controllers at once.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { DISRUPTING_KINDS } from "../../../src/controllers/context.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { completionLabelKey, readClaim, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME, DisruptionLock } from "../../../src/rollout/lock.ts";
import { systemClock } from "../../../src/runtime/clock.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, freshSim, PATCH, ShiftClock } from "./faults.ts";
import { itOnSim } from "../../support/lanes.ts";
import {
  condition,
  imageOf,
  nodeOf,
  OPERATOR_NAMESPACE,
  plan,
  quickSpec,
  startOperator,
  Timeline,
  TO,
  upgradeJobs,
  waitForPlan,
} from "./harness.ts";

const nodes = async (port: KubePort): Promise<NodeObject[]> => (await port.list<NodeObject>(NODE_RESOURCE)).items;
const claimed = async (port: KubePort): Promise<string[]> =>
  (await nodes(port)).filter((n) => readClaim(n.metadata.annotations) !== undefined).map((n) => n.metadata.name);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("reliability: gates", () => {
  it("6. a node cordoned before the plan stays cordoned after it", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      await sim.port.mergePatch(NODE_RESOURCE, "agent-3", { spec: { unschedulable: true } });
      await sim.port.create(
        upgradePlanResource,
        plan("keep-cordon", quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY })),
      );
      await waitForPlan(sim.port, "keep-cordon", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      for (const node of (await nodes(sim.port)).filter((n) => n.metadata.name.startsWith("agent-"))) {
        expect(node.status?.nodeInfo?.kubeletVersion).toBe(PATCH);
        expect(node.metadata.labels?.[completionLabelKey("UpgradePlan", "keep-cordon")]).toBe(targetHash(PATCH));
        expect(node.spec?.unschedulable === true).toBe(node.metadata.name === "agent-3");
      }
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);

  it("paused: nothing starts while paused (phase Paused); unpausing goes on", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      await sim.port.create(
        upgradePlanResource,
        plan("held", quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY, paused: true })),
      );
      const paused = await waitForPlan(sim.port, "held", (p) => p.status?.phase === "Paused", "Paused");
      expect(condition(paused, "Paused")).toMatchObject({ status: "True", reason: "Paused" });
      expect(condition(paused, "PreflightPassed")?.status).toBe("Unknown");
      await pause(500);
      expect(await claimed(sim.port)).toEqual([]);
      await sim.port.mergePatch(upgradePlanResource, "held", { spec: { paused: false } });
      const done = await waitForPlan(
        sim.port,
        "held",
        (p) => p.status?.phase === "Succeeded",
        "the plan to finish",
        60_000,
      );
      expect(condition(done, "Paused")?.status).toBe("False");
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);

  it("7. an etcd member turns unhealthy: no etcd or control-plane node is touched until it recovers", async () => {
    const sim = await freshSim();
    const timeline = new Timeline(sim.port);
    const operator = await startOperator(sim.operatorPort);
    try {
      await timeline.start();
      await sim.port.create(upgradePlanResource, plan("etcd-fault", quickSpec()));
      await waitFor(async () => (await claimed(sim.port)).includes("etcd-1"), { what: "etcd-1 to start" });
      sim.cluster.setFaults({ etcdUnhealthy: true }, "server-2");
      const waiting = await waitForPlan(
        sim.port,
        "etcd-fault",
        (p) => condition(p, "Progressing")?.reason === "EtcdUnhealthy",
        "EtcdUnhealthy",
      );
      expect(condition(waiting, "Progressing")?.message).toBe("etcd quorum guard: etcd-server-2 is not Ready");
      expect(waiting.status?.counts).toMatchObject({ upgraded: 1, inProgress: 0 });
      await pause(1000);
      expect(timeline.entries.filter((e) => e.kind === "claimed").map((e) => e.node)).toEqual(["etcd-1"]);

      const recovered = Date.now();
      sim.cluster.setFaults({ etcdUnhealthy: false }, "server-2");
      await waitForPlan(sim.port, "etcd-fault", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      // The fault (not the operator) had two members down for a moment; the operator touched the
      // next member only after server-2 recovered.
      const nextClaim = timeline.entries.find((e) => e.kind === "claimed" && e.node !== "etcd-1");
      expect(nextClaim?.node).toBe("server-1");
      expect(nextClaim?.at ?? 0).toBeGreaterThan(recovered);
    } finally {
      await operator.stop();
      await timeline.stop();
      await sim.stop();
    }
  }, 90_000);

  itOnSim("shiftedClock")(
    "9. the window closes mid-rollout: the node in progress finishes, nothing new starts until the next window",
    async () => {
      const clock = new ShiftClock(Date.UTC(2026, 5, 10, 1, 59, 57));
      const sim = await freshSim({ clock });
      const operator = await startOperator(sim.operatorPort, { clock });
      try {
        await sim.port.create(
          upgradePlanResource,
          plan("windowed", quickSpec({ window: { startTime: "01:00", endTime: "02:00" } })),
        );
        await waitFor(async () => (await claimed(sim.port)).includes("etcd-1"), {
          what: "etcd-1 to start inside the window",
        });
        clock.jumpTo(Date.UTC(2026, 5, 10, 2, 0, 5));
        const waiting = await waitForPlan(
          sim.port,
          "windowed",
          (p) => p.status?.phase === "Waiting",
          "Waiting for the window",
          20_000,
        );
        expect(waiting.status?.nextWindowStart).toBe("2026-06-11T01:00:00Z");
        expect(waiting.status?.message).toBe("outside the maintenance window; it opens at 2026-06-11T01:00:00Z");
        expect(waiting.status?.counts).toMatchObject({ upgraded: 1, inProgress: 0 });
        const etcd = (await nodes(sim.port)).find((n) => n.metadata.name === "etcd-1");
        expect(etcd?.status?.nodeInfo?.kubeletVersion).toBe(TO);
        expect(etcd?.spec?.unschedulable).toBeUndefined();
        await pause(1000);
        expect(await claimed(sim.port)).toEqual([]);
        expect((await upgradeJobs(sim.port)).map(nodeOf)).toEqual(["etcd-1"]);

        // The next window. The operator's own timer is set for the real wait (a day); nudging the
        // plan stands in for it, since this test moved the clock instead of waiting.
        clock.jumpTo(Date.UTC(2026, 5, 11, 1, 0, 5));
        await sim.port.mergePatch(upgradePlanResource, "windowed", {
          metadata: { annotations: { "test/nudge": "next-window" } },
        });
        await waitForPlan(
          sim.port,
          "windowed",
          (p) => p.status?.phase === "Succeeded",
          "the plan to finish in the next window",
          60_000,
        );
      } finally {
        await operator.stop();
        await sim.stop();
      }
    },
    90_000,
  );

  it("10. the target changes mid-rollout: old Jobs are removed, nodes at the new target are not redone", async () => {
    const sim = await freshSim();
    const timeline = new Timeline(sim.port);
    const operator = await startOperator(sim.operatorPort);
    const FIRST = "v1.31.2+rke2r1";
    try {
      await timeline.start();
      await sim.port.create(upgradePlanResource, plan("retarget", quickSpec({ version: FIRST })));
      await waitFor(async () => (await upgradeJobs(sim.port)).some((job) => nodeOf(job) === "server-1"), {
        what: "server-1's Job for the first target",
      });
      await sim.port.mergePatch(upgradePlanResource, "retarget", { spec: { version: TO } });
      await waitForPlan(
        sim.port,
        "retarget",
        (p) => p.status?.phase === "Succeeded" && p.status.targetVersion === TO,
        "the plan to finish on the new target",
        90_000,
      );

      const jobs = await upgradeJobs(sim.port);
      expect(jobs.every((job) => imageOf(job).endsWith(":v1.31.4-rke2r1"))).toBe(true);
      const newJobsPerNode = new Map<string, number>();
      for (const entry of timeline.entries.filter((e) => e.kind === "job" && e.detail?.endsWith(":v1.31.4-rke2r1")))
        newJobsPerNode.set(entry.node, (newJobsPerNode.get(entry.node) ?? 0) + 1);
      expect([...newJobsPerNode.values()].every((count) => count === 1)).toBe(true);
      expect(newJobsPerNode.size).toBe(7);
      for (const node of await nodes(sim.port)) expect(node.status?.nodeInfo?.kubeletVersion).toBe(TO);
      expect(timeline.maxEtcdDown).toBe(1);
    } finally {
      await operator.stop();
      await timeline.stop();
      await sim.stop();
    }
  }, 120_000);

  it("13. another operation holds the lock: nothing is touched until it lets go, nor while nodes are out", async () => {
    const sim = await freshSim();
    const lock = new DisruptionLock({
      port: sim.port,
      clock: systemClock,
      namespace: OPERATOR_NAMESPACE,
      holderKinds: DISRUPTING_KINDS,
    });
    const lease = async () => sim.port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, OPERATOR_NAMESPACE);
    // The test itself is the CertRotation holding the lock: that controller must not release it.
    const operator = await startOperator(sim.operatorPort, { controllers: ["UpgradePlan"] });
    try {
      await sim.port.create(certRotationResource, {
        apiVersion: certRotationResource.apiVersion,
        kind: certRotationResource.kind,
        metadata: { name: "default" },
        spec: {},
      });
      expect((await lock.acquire("CertRotation/default", await lease(), false)).held).toBe(true);
      await sim.port.create(
        upgradePlanResource,
        plan("locked-out", quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY })),
      );
      const waiting = await waitForPlan(
        sim.port,
        "locked-out",
        (p) => condition(p, "PreflightPassed")?.reason === "DisruptionLockHeld",
        "DisruptionLockHeld",
      );
      expect(condition(waiting, "PreflightPassed")?.message).toBe(
        "DisruptionLock: CertRotation/default holds the disruption lock",
      );
      await pause(500);
      expect(await claimed(sim.port)).toEqual([]);

      await lock.release("CertRotation/default", await lease());
      await waitFor(async () => (await claimed(sim.port)).length > 0, {
        what: "the plan to start once the lock is free",
      });
      expect((await lease())?.spec?.holderIdentity).toBe("UpgradePlan/locked-out");
      expect((await lock.acquire("CertRotation/default", await lease(), false)).held).toBe(false);

      await waitForPlan(sim.port, "locked-out", (p) => p.status?.phase === "Succeeded", "the plan to finish", 60_000);
      await waitFor(async () => (await lease())?.spec?.holderIdentity === undefined, {
        what: "the lock to be released",
      });
      expect((await lock.acquire("CertRotation/default", await lease(), false)).held).toBe(true);
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);
});
