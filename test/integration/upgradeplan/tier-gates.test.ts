/**
 * Issue 17 items 3-5 on both lanes: an approval gate holds the worker tier until the field is
 * committed; a firing alert stops new nodes and a silenced one does not; an unreachable
 * Prometheus blocks with its reason; a tier soak delays the next tier. Prometheus and
 * Alertmanager are test/support/prometheus-server.ts on loopback (simulated monitoring).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { LabelSelector } from "../../../src/api/common.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { FakePrometheus } from "../../support/prometheus-server.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, freshSim, PATCH } from "./faults.ts";
import { condition, plan, quickSpec, startOperator, Timeline, waitForPlan } from "./harness.ts";

const claimed = async (port: KubePort): Promise<string[]> =>
  (await port.list<NodeObject>(NODE_RESOURCE)).items
    .filter((n) => readClaim(n.metadata.annotations) !== undefined)
    .map((n) => n.metadata.name);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** One node of each tier, and a second worker: three tiers, quickly. */
const THREE_TIERS: LabelSelector = {
  matchExpressions: [
    { key: "kubernetes.io/hostname", operator: "In", values: ["etcd-1", "cp-1", "agent-1", "agent-2"] },
  ],
};
const BLOCKER_TTL_MS = 200;

async function eventReasons(port: KubePort, name: string): Promise<CoreEvent[]> {
  return (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items.filter(
    (e) => e.involvedObject.name === name,
  );
}

const prometheus = new FakePrometheus();
let url = "";
beforeAll(async () => {
  url = await prometheus.start();
});
afterAll(async () => {
  await prometheus.stop();
});

describe("issue 17: gates between tiers", () => {
  it("an approval gate holds the worker tier until spec.approval.approved names it", async () => {
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort);
    try {
      await sim.port.create(
        upgradePlanResource,
        plan("approve", quickSpec({ version: PATCH, nodeSelector: THREE_TIERS, approval: { tiers: ["worker"] } })),
      );
      const waiting = await waitForPlan(
        sim.port,
        "approve",
        (p) => condition(p, "AwaitingApproval")?.status === "True",
        "AwaitingApproval",
        60_000,
      );
      expect(condition(waiting, "AwaitingApproval")).toMatchObject({
        reason: "AwaitingApproval",
        message: "the worker tier waits for approval: add worker to spec.approval.approved",
      });
      expect(condition(waiting, "Progressing")?.reason).toBe("AwaitingApproval");
      expect(waiting.status?.counts).toMatchObject({ upgraded: 2, inProgress: 0 });
      await pause(1000);
      expect(await claimed(sim.port)).toEqual([]);
      expect((await eventReasons(sim.port, "approve")).map((e) => e.reason)).toContain("AwaitingApproval");

      await sim.port.mergePatch(upgradePlanResource, "approve", {
        spec: { approval: { tiers: ["worker"], approved: ["worker"] } },
      });
      const done = await waitForPlan(sim.port, "approve", (p) => p.status?.phase === "Succeeded", "Succeeded", 60_000);
      expect(condition(done, "AwaitingApproval")).toMatchObject({ status: "False", reason: "Approved" });
      expect(done.status?.counts).toMatchObject({ upgraded: 4, total: 4 });
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 120_000);

  it("a firing alert stops new nodes (the one in progress ends); silenced in Alertmanager it does not", async () => {
    prometheus.alerts = [];
    prometheus.silences = [];
    prometheus.fire("Watchdog", { severity: "none" });
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort, { blockerTtlMs: BLOCKER_TTL_MS });
    try {
      await sim.port.create(
        upgradePlanResource,
        plan(
          "alerts",
          quickSpec({
            version: PATCH,
            nodeSelector: AGENTS_ONLY,
            blockers: [
              {
                name: "critical-alerts",
                alerts: { labels: { severity: "critical" } },
                prometheus: { url, alertmanagerUrl: url },
              },
            ],
          }),
        ),
      );
      await waitFor(async () => (await claimed(sim.port)).includes("agent-1"), { what: "agent-1 to start" });
      prometheus.fire("EtcdHighFsyncDurations", { severity: "critical", cluster: "prod" });
      const blocked = await waitForPlan(
        sim.port,
        "alerts",
        (p) => condition(p, "Blocked")?.status === "True",
        "Blocked",
      );
      expect(condition(blocked, "Blocked")).toMatchObject({
        reason: "BlockerHolding",
        message: "blocked by critical-alerts (alert(s) firing: EtcdHighFsyncDurations)",
      });
      // The node in progress finishes; nothing new starts.
      const held = await waitForPlan(
        sim.port,
        "alerts",
        (p) => p.status?.counts?.upgraded === 1 && condition(p, "Progressing")?.reason === "BlockerHolding",
        "agent-1 done, the rest held",
        30_000,
      );
      expect(held.status?.counts).toMatchObject({ upgraded: 1, inProgress: 0 });
      await pause(1000);
      expect(await claimed(sim.port)).toEqual([]);
      expect((await eventReasons(sim.port, "alerts")).map((e) => e.reason)).toContain("BlockerHolding");

      prometheus.silence({ alertname: "EtcdHighFsyncDurations" });
      const done = await waitForPlan(sim.port, "alerts", (p) => p.status?.phase === "Succeeded", "Succeeded", 60_000);
      expect(condition(done, "Blocked")).toMatchObject({ status: "False", reason: "NoBlocker" });
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 120_000);

  it("an unreachable Prometheus blocks, with its reason (fail closed)", async () => {
    const gone = new FakePrometheus();
    const goneUrl = await gone.start();
    await gone.stop();
    const sim = await freshSim();
    const operator = await startOperator(sim.operatorPort, { blockerTtlMs: BLOCKER_TTL_MS });
    try {
      await sim.port.create(
        upgradePlanResource,
        plan(
          "unreachable",
          quickSpec({
            version: PATCH,
            nodeSelector: AGENTS_ONLY,
            blockers: [{ name: "backup-running", query: "velero_backup_active > 0", prometheus: { url: goneUrl } }],
          }),
        ),
      );
      const blocked = await waitForPlan(
        sim.port,
        "unreachable",
        (p) => condition(p, "Blocked")?.status === "True",
        "Blocked",
      );
      expect(condition(blocked, "Blocked")?.message).toBe(
        `blocked by backup-running (cannot be evaluated: GET ${goneUrl}/api/v1/query: ` +
          `fetch failed: connect ECONNREFUSED ${goneUrl.slice("http://".length)})`,
      );
      await pause(1000);
      expect(await claimed(sim.port)).toEqual([]);
    } finally {
      await operator.stop();
      await sim.stop();
    }
  }, 90_000);

  it("a tier soak delays the next tier, and the soak is recorded in the status", async () => {
    const soakMs = 3000;
    const sim = await freshSim();
    const timeline = new Timeline(sim.port);
    const operator = await startOperator(sim.operatorPort);
    try {
      await timeline.start();
      await sim.port.create(
        upgradePlanResource,
        plan(
          "soak",
          quickSpec({
            version: PATCH,
            nodeSelector: THREE_TIERS,
            healthGate: { settle: "300ms", timeout: "20s", tierSoak: "3s" },
          }),
        ),
      );
      const soaking = await waitForPlan(
        sim.port,
        "soak",
        (p) => condition(p, "Progressing")?.reason === "TierSoak" && p.status?.tierSoak?.tier === "control-plane",
        "TierSoak after the control-plane tier",
        60_000,
      );
      expect(soaking.status?.tierSoak?.healthySince).toBeDefined();
      // The mark of the etcd tier's soak (passed) does not leak into this one.
      expect(soaking.status?.tierSoak?.passed).toBeUndefined();
      expect(condition(soaking, "Progressing")?.message).toMatch(
        /^the control-plane tier is complete; healthy since .*, soaking 3s before worker$/,
      );
      await waitForPlan(sim.port, "soak", (p) => p.status?.phase === "Succeeded", "Succeeded", 60_000);
      await waitFor(async () => (await claimed(sim.port)).length === 0, { what: "every claim dropped" });
      const at = (kind: "claimed" | "released", node: (name: string) => boolean): number => {
        const entry = timeline.entries.find((e) => e.kind === kind && node(e.node));
        if (!entry) throw new Error(`no ${kind} entry`);
        return entry.at;
      };
      // Timestamps in status are whole seconds: a soak may end up to a second early.
      const etcdToCp = at("claimed", (n) => n === "cp-1") - at("released", (n) => n === "etcd-1");
      const cpToWorkers = at("claimed", (n) => n.startsWith("agent-")) - at("released", (n) => n === "cp-1");
      expect(etcdToCp).toBeGreaterThanOrEqual(soakMs - 1000);
      expect(cpToWorkers).toBeGreaterThanOrEqual(soakMs - 1000);
    } finally {
      await operator.stop();
      await timeline.stop();
      await sim.stop();
    }
  }, 120_000);
});
