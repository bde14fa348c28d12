import { describe, expect, it } from "@jest/globals";
import { findCondition } from "../../../../src/api/condition.ts";
import { MAX_STATUS_NODES, UpgradePlanStatusSchema, type UpgradePlanStatus } from "../../../../src/api/upgradeplan.ts";
import { transitionEvents } from "../../../../src/controllers/upgradeplan/events.ts";
import { nextStatus, type StatusInput } from "../../../../src/controllers/upgradeplan/status.ts";
import type { RolloutSummary } from "../../../../src/rollout/types.ts";

const NOW = Date.UTC(2026, 0, 1, 12);
const TARGET = "v1.31.4+rke2r1";
const passedChecks = [{ name: "TargetVersion", passed: true, message: "ok" }];

function summary(overrides: Partial<RolloutSummary> = {}): RolloutSummary {
  return {
    tier: "etcd",
    counts: { total: 7, done: 1, inProgress: 1, pending: 5, failed: 0 },
    nodes: [
      {
        name: "server-1",
        tier: "etcd",
        phase: "Running",
        attempts: 1,
        job: "upgrade-p-server-1-x",
        startedAt: "2026-01-01T11:59:00.000Z",
      },
    ],
    halted: false,
    complete: false,
    waiting: undefined,
    ...overrides,
  };
}

function round(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    now: NOW,
    generation: 3,
    previous: {},
    target: TARGET,
    paused: false,
    windowOpen: true,
    snapshotRequired: true,
    preflight: {
      state: "evaluated",
      checks: [...passedChecks, { name: "Snapshot", passed: true, message: "verified" }],
      passed: true,
      reason: "PreflightSucceeded",
      snapshot: {
        state: "Verified",
        snapshot: { name: "pre-upgrade-p-etcd-1-1767268800", takenAt: "2026-01-01T11:58:00Z" },
        message: "verified",
      },
    },
    rollout: summary(),
    lastRetry: undefined,
    ...overrides,
  };
}

const condition = (status: UpgradePlanStatus, type: string) => findCondition(status.conditions, type);

describe("nextStatus", () => {
  it('writes the fields of docs/upgrades.md "Status", schema-valid', () => {
    const status = nextStatus(round());
    expect(UpgradePlanStatusSchema.parse(status)).toEqual(status);
    expect(status).toMatchObject({
      observedGeneration: 3,
      targetVersion: TARGET,
      phase: "Upgrading",
      tier: "etcd",
      progress: "1/7",
      counts: { total: 7, upgraded: 1, inProgress: 1, pending: 5, failed: 0 },
      nodes: [{ name: "server-1", tier: "etcd", phase: "Upgrading", attempts: 1, job: "upgrade-p-server-1-x" }],
      snapshot: { name: "pre-upgrade-p-etcd-1-1767268800", takenAt: "2026-01-01T11:58:00Z" },
      startedAt: "2026-01-01T12:00:00Z",
    });
    expect(condition(status, "PreflightPassed")).toMatchObject({
      status: "True",
      reason: "PreflightSucceeded",
      observedGeneration: 3,
    });
    expect(condition(status, "SnapshotTaken")).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });
    expect(condition(status, "Progressing")).toMatchObject({ status: "True", reason: "Upgrading" });
    expect(condition(status, "Ready")).toMatchObject({
      status: "False",
      reason: "Upgrading",
      message: "1/7 selected node(s) at v1.31.4+rke2r1",
    });
    expect(condition(status, "Degraded")).toMatchObject({ status: "False" });
  });

  it("stays small and valid at 5,000 nodes", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => ({
      name: `agent-${i}`,
      tier: "worker" as const,
      phase: "Draining" as const,
      attempts: 1,
      message: "x".repeat(5000),
    }));
    const status = nextStatus(
      round({
        rollout: summary({
          tier: "worker",
          counts: { total: 5000, done: 3000, inProgress: 1000, pending: 1000, failed: 0 },
          nodes: nodes.slice(0, MAX_STATUS_NODES),
        }),
      }),
    );
    expect(UpgradePlanStatusSchema.safeParse(status).success).toBe(true);
    expect(JSON.stringify(status).length).toBeLessThan(150_000);
  });

  it("keeps the preflight verdict for the same target and resets it for a new one", () => {
    const first = nextStatus(round());
    const again = nextStatus(round({ previous: first, preflight: { state: "passedBefore" }, generation: 4 }));
    expect(condition(again, "PreflightPassed")).toMatchObject({ status: "True", observedGeneration: 4 });
    expect(again.snapshot).toEqual(first.snapshot);
    expect(again.startedAt).toBe(first.startedAt);
    const retargeted = nextStatus(
      round({ previous: first, target: "v1.31.5+rke2r1", preflight: { state: "deferred" }, paused: true }),
    );
    expect(condition(retargeted, "PreflightPassed")).toMatchObject({ status: "Unknown", reason: "NotStarted" });
    expect(retargeted.snapshot).toBeUndefined();
  });

  it.each<[string, Partial<StatusInput>, { reason: string; degraded: string }]>([
    [
      "halted",
      {
        rollout: summary({
          halted: true,
          nodes: [{ name: "etcd-1", tier: "etcd", phase: "Failed", attempts: 2, message: "boom" }],
        }),
      },
      { reason: "Halted", degraded: "True" },
    ],
    [
      "skew refused",
      {
        preflight: {
          state: "evaluated",
          checks: [{ name: "VersionSkew", passed: false, message: "skip" }],
          passed: false,
          reason: "SkewNotAllowed",
          snapshot: undefined,
        },
      },
      { reason: "SkewNotAllowed", degraded: "True" },
    ],
    [
      "etcd unhealthy at preflight",
      {
        preflight: {
          state: "evaluated",
          checks: [{ name: "EtcdHealthy", passed: false, message: "x" }],
          passed: false,
          reason: "EtcdUnhealthy",
          snapshot: undefined,
        },
      },
      { reason: "EtcdUnhealthy", degraded: "False" },
    ],
    [
      "channel unresolved",
      { channelError: "404", target: undefined },
      { reason: "ChannelUnresolved", degraded: "True" },
    ],
    ["invalid", { invalid: "both version and channel" }, { reason: "InvalidSpec", degraded: "True" }],
  ])("Ready and Degraded when %s", (_, overrides, expected) => {
    const status = nextStatus(round(overrides));
    expect(condition(status, "Ready")).toMatchObject({ status: "False", reason: expected.reason });
    expect(condition(status, "Degraded")?.status).toBe(expected.degraded);
  });

  it("names no tier before preflight let the rollout start", () => {
    const status = nextStatus(
      round({
        preflight: {
          state: "evaluated",
          checks: [{ name: "Snapshot", passed: false, message: "running" }],
          passed: false,
          reason: "SnapshotInProgress",
          snapshot: { state: "Running", message: "running" },
        },
      }),
    );
    expect(status).toMatchObject({ phase: "Upgrading", tier: "" });
  });

  it("shows a rollout wait (drain blocked) on Progressing", () => {
    const status = nextStatus(
      round({
        preflight: { state: "passedBefore" },
        rollout: summary({
          waiting: { reason: "DrainBlocked", message: "agent-1: refused by PodDisruptionBudget web" },
        }),
      }),
    );
    expect(condition(status, "Progressing")).toMatchObject({
      status: "True",
      reason: "DrainBlocked",
      message: "agent-1: refused by PodDisruptionBudget web",
    });
  });

  it("marks completion once, and Ready", () => {
    const done = nextStatus(
      round({
        rollout: summary({
          complete: true,
          counts: { total: 7, done: 7, inProgress: 0, pending: 0, failed: 0 },
          nodes: [],
          tier: "",
        }),
      }),
    );
    expect(done).toMatchObject({ phase: "Succeeded", tier: "", progress: "7/7", completedAt: "2026-01-01T12:00:00Z" });
    expect(done.nodes).toBeUndefined();
    expect(condition(done, "Ready")).toMatchObject({
      status: "True",
      reason: "UpgradeComplete",
      message: "all 7 selected node(s) run v1.31.4+rke2r1",
    });
  });
});

describe("transitionEvents", () => {
  it("raises an event per transition, and none when nothing changed", () => {
    const upgrading = nextStatus(round());
    expect(transitionEvents({}, upgrading).map((e) => e.reason)).toEqual([
      "PreflightSucceeded",
      "SnapshotSucceeded",
      "Upgrading",
    ]);
    expect(
      transitionEvents(upgrading, nextStatus(round({ previous: upgrading, preflight: { state: "passedBefore" } }))),
    ).toEqual([]);
    const waiting = nextStatus(
      round({
        previous: upgrading,
        preflight: { state: "passedBefore" },
        rollout: summary({ waiting: { reason: "EtcdUnhealthy", message: "etcd quorum guard: x" } }),
      }),
    );
    expect(transitionEvents(upgrading, waiting)).toEqual([
      { type: "Warning", reason: "EtcdUnhealthy", message: "etcd quorum guard: x" },
    ]);
    const halted = nextStatus(
      round({ previous: waiting, preflight: { state: "passedBefore" }, rollout: summary({ halted: true }) }),
    );
    expect(transitionEvents(waiting, halted).map((e) => [e.type, e.reason])).toEqual([["Warning", "Halted"]]);
  });
});
