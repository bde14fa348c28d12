import { describe, expect, it } from "@jest/globals";
import type { CertRotationStatus } from "../../../../src/api/certrotation.ts";
import { assessCluster } from "../../../../src/controllers/certrotation/assess.ts";
import type { RoundPlan } from "../../../../src/controllers/certrotation/decide.ts";
import type { StatusInput } from "../../../../src/controllers/certrotation/phase.ts";
import { checkTimes, nextStatus, statusNodes } from "../../../../src/controllers/certrotation/status.ts";
import type { RolloutSummary } from "../../../../src/rollout/types.ts";
import { assessed, ca, leaf, NOW, THRESHOLDS, typicalNode } from "./fixtures.ts";

const H = 3_600_000;
const idle: RolloutSummary = {
  tier: "",
  counts: { total: 3, done: 3, inProgress: 0, pending: 0, failed: 0 },
  nodes: [],
  halted: false,
  complete: true,
  waiting: undefined,
};

function plan(overrides: Partial<RoundPlan> = {}): RoundPlan {
  return {
    target: "renew",
    triggerPending: false,
    checked: new Map(),
    reopen: [],
    dueAgain: [],
    mayStart: true,
    startBlock: undefined,
    satisfied: new Set(),
    runEngine: false,
    ...overrides,
  };
}

function input(nodes: ReturnType<typeof assessed>[], overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    nowMs: NOW,
    generation: 3,
    previous: {},
    checkIntervalMs: 6 * H,
    thresholds: { warnBefore: "672h", criticalBefore: "336h" },
    assessment: assessCluster(nodes, THRESHOLDS, NOW),
    plan: plan(),
    ...overrides,
  };
}

const cond = (status: CertRotationStatus, type: string) => status.conditions?.find((c) => c.type === type);

describe("the CertRotation status", () => {
  it("is Idle and Ready with the earliest expiry when nothing is due", () => {
    const status = nextStatus(
      input([assessed("a", typicalNode("a", 300)), assessed("b", typicalNode("b", 200), "worker")]),
    );
    expect(status).toMatchObject({
      observedGeneration: 3,
      phase: "Idle",
      lastCheckTime: "2026-03-01T00:00:00Z",
      nextCheckTime: "2026-03-01T06:00:00Z",
      earliestExpiry: { node: "b", file: "server/tls/client-admin.crt", notAfter: "2026-09-17T00:00:00Z" },
      summary: { nodes: 2, expiringSoon: 0, rotating: 0, failed: 0 },
    });
    expect(status.nodes).toBeUndefined();
    expect(cond(status, "Ready")).toMatchObject({
      status: "True",
      reason: "AllCertificatesValid",
      observedGeneration: 3,
    });
    expect(cond(status, "ExpiringSoon")).toMatchObject({
      status: "False",
      reason: "NotExpiring",
      message: "no certificate expires within warnBefore (672h)",
    });
    expect(cond(status, "Progressing")?.status).toBe("False");
    expect(cond(status, "Degraded")).toMatchObject({ status: "False", reason: "AsExpected" });
  });

  it.each([
    [
      "warning at 28 days",
      27,
      "ExpiringWarning",
      "1 certificate(s) expire within warnBefore (672h); first: a server/tls/client-admin.crt at 2026-03-28T00:00:00Z",
    ],
    [
      "critical at 14 days",
      13,
      "ExpiringCritical",
      "1 certificate(s) expire within criticalBefore (336h); " +
        "first: a server/tls/client-admin.crt at 2026-03-14T00:00:00Z",
    ],
  ])("ExpiringSoon: %s", (_name, days, reason, message) => {
    const status = nextStatus(
      input([assessed("a", typicalNode("a", days))], { plan: plan({ startBlock: "paused", mayStart: false }) }),
    );
    expect(cond(status, "ExpiringSoon")).toMatchObject({ status: "True", reason, message });
  });

  it("lists due, rotating and failed nodes only, failed first, and says what is happening", () => {
    const rollout: RolloutSummary = {
      tier: "etcd",
      counts: { total: 4, done: 1, inProgress: 1, pending: 1, failed: 1 },
      nodes: [
        { name: "b", tier: "etcd", phase: "Running", attempts: 1, job: "cert-rotate-default-b-1" },
        { name: "c", tier: "etcd", phase: "Failed", attempts: 2, message: "the node Job failed" },
      ],
      halted: true,
      complete: false,
      waiting: undefined,
    };
    const nodes = [
      assessed("a", typicalNode("a", 20), "worker"),
      assessed("b", typicalNode("b", 25)),
      assessed("c", typicalNode("c", 10)),
      assessed("d", typicalNode("d", 300)),
    ];
    const status = nextStatus(input(nodes, { rollout }));
    expect(status.nodes?.map((n) => [n.name, n.role, n.phase])).toEqual([
      ["c", "etcd", "Failed"],
      ["b", "etcd", "Rotating"],
      ["a", "worker", "Pending"],
    ]);
    expect(status.nodes?.[2]).toMatchObject({
      earliestNotAfter: "2026-03-21T00:00:00Z",
      message: "server/tls/client-admin.crt expires 2026-03-21T00:00:00Z",
    });
    expect(status.phase).toBe("Halted");
    expect(status.summary).toEqual({ nodes: 4, expiringSoon: 3, rotating: 1, failed: 1 });
    expect(cond(status, "Degraded")).toMatchObject({ status: "True", reason: "RotationFailed" });
    expect(cond(status, "Ready")?.message).toBe(
      "rotation halted (change spec.trigger to retry): c: the node Job failed",
    );
  });

  it("reports the quorum guard's wait in Progressing", () => {
    const rollout: RolloutSummary = {
      ...idle,
      complete: false,
      counts: { ...idle.counts, done: 2, pending: 1 },
      waiting: { reason: "EtcdUnhealthy", message: "etcd quorum guard: etcd-server-2 is not Ready" },
    };
    const status = nextStatus(input([assessed("a", typicalNode("a", 20))], { rollout }));
    expect(status.phase).toBe("Waiting");
    expect(status.message).toBe("etcd quorum guard: etcd-server-2 is not Ready");
    expect(cond(status, "Progressing")).toMatchObject({
      status: "False",
      reason: "EtcdUnhealthy",
      message: "etcd quorum guard: etcd-server-2 is not Ready",
    });
    expect(cond(status, "Ready")).toMatchObject({
      status: "False",
      reason: "EtcdUnhealthy",
      message: "1 of 1 node(s) inside renewBefore, 0 rotating",
    });
  });

  it.each([
    [{ startBlock: "paused" as const, mayStart: false }, "Paused", "Paused"],
    [{ startBlock: "window" as const, mayStart: false }, "Waiting", "WaitingForWindow"],
    [
      { startBlock: "rancher" as const, mayStart: false, rancherRefusal: "provisioned by Rancher" },
      "Blocked",
      "ManagedByRancher",
    ],
  ])("waits with %j", (overrides, phase, reason) => {
    const status = nextStatus(input([assessed("a", typicalNode("a", 20))], { plan: plan(overrides) }));
    expect(status.phase).toBe(phase);
    expect(cond(status, "Ready")).toMatchObject({ status: "False", reason });
  });

  it("keeps a rotated node listed until the inventory confirms it", () => {
    const nodes = [assessed("a", typicalNode("a", 365))];
    const status = nextStatus(input(nodes, { rollout: idle, justRotated: ["a"] }));
    expect(status.nodes).toEqual([
      {
        name: "a",
        role: "etcd",
        phase: "WaitingHealthy",
        earliestNotAfter: "2026-12-26T00:00:00Z",
        message: "rotated; waiting for the certificate inventory to confirm renewed certificates",
      },
    ]);
    expect(status.phase).toBe("Rotating");
  });

  it("records a trigger once every node was rotated for it and confirmed", () => {
    const nodes = [assessed("a", typicalNode("a", 365))];
    const triggered = plan({ target: "trigger:now", triggerPending: true });
    expect(nextStatus(input(nodes, { trigger: "now", plan: triggered, rollout: idle })).lastTrigger).toBe("now");
    expect(
      nextStatus(input(nodes, { trigger: "now", plan: triggered, rollout: { ...idle, complete: false } })).lastTrigger,
    ).toBeUndefined();
    expect(
      nextStatus(input(nodes, { trigger: "now", plan: triggered, rollout: idle, justRotated: ["a"] })).lastTrigger,
    ).toBeUndefined();
    expect(
      nextStatus(input(nodes, { trigger: "now", plan: plan({ target: "renew", triggerPending: true }), rollout: idle }))
        .lastTrigger,
    ).toBeUndefined();
    expect(nextStatus(input(nodes, { previous: { lastTrigger: "old" } })).lastTrigger).toBe("old");
  });

  it("says so when no node reports its certificates", () => {
    const status = nextStatus(input([assessed("a", undefined), assessed("b", undefined)]));
    expect(cond(status, "Ready")).toMatchObject({
      status: "False",
      reason: "InventoryUnavailable",
      message: "no certificate inventory report from any of the 2 selected node(s)",
    });
    expect(cond(status, "ExpiringSoon")).toMatchObject({ status: "Unknown", reason: "InventoryUnavailable" });
    const partial = nextStatus(input([assessed("a", typicalNode("a", 300)), assessed("b", undefined)]));
    expect(cond(partial, "Ready")?.message).toContain("1 without an inventory report");
  });

  it("keeps the rest of the status on an invalid spec and says why", () => {
    const previous: CertRotationStatus = {
      summary: { nodes: 1, expiringSoon: 0, rotating: 0, failed: 0 },
      lastTrigger: "x",
    };
    const status = nextStatus({ nowMs: NOW, generation: 4, previous, invalid: "spec.renewBefore: must be a duration" });
    expect(status).toMatchObject({ phase: "Blocked", summary: previous.summary, lastTrigger: "x" });
    expect(status.message).toBe(cond(status, "Ready")?.message);
    expect(cond(status, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec" });
    expect(cond(status, "Degraded")).toMatchObject({ status: "True", reason: "InvalidSpec" });
  });

  it("advances the check cycle once per interval, not on every reconcile", () => {
    expect(checkTimes({}, NOW, 6 * H)).toEqual({ last: NOW, next: NOW + 6 * H });
    expect(checkTimes({ lastCheckTime: "2026-03-01T00:00:00Z" }, NOW + H, 6 * H)).toEqual({
      last: NOW,
      next: NOW + 6 * H,
    });
    expect(checkTimes({ lastCheckTime: "2026-03-01T00:00:00Z" }, NOW + 6 * H, 6 * H)).toEqual({
      last: NOW + 6 * H,
      next: NOW + 12 * H,
    });
    expect(checkTimes({ lastCheckTime: "2026-03-01T00:00:00Z" }, NOW + H, H / 2)).toEqual({
      last: NOW + H,
      next: NOW + 1.5 * H,
    });
  });

  it("bounds the node list at 100, the most urgent kept", () => {
    const nodes = Array.from({ length: 150 }, (_, i) =>
      assessed(
        `n-${String(i).padStart(3, "0")}`,
        [leaf("agent/client-kubelet.crt", 1 + i / 10), ca("agent/server-ca.crt", 3000)],
        "worker",
      ),
    );
    const listed = statusNodes(input(nodes));
    expect(listed).toHaveLength(100);
    expect(listed[0]?.name).toBe("n-000");
    expect(listed.at(-1)?.name).toBe("n-099");
  });

  it("is stable: the same input gives the same status twice (no status churn)", () => {
    const first = nextStatus(input([assessed("a", typicalNode("a", 20))]));
    const second = nextStatus({
      ...input([assessed("a", typicalNode("a", 20))]),
      previous: first,
      nowMs: NOW + 60_000,
    });
    expect(second).toEqual(first);
  });
});
