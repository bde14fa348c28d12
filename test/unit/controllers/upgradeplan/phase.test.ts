/**
 * PHASE and MESSAGE of an UpgradePlan (controllers/upgradeplan/phase.ts), through nextStatus so the
 * conditions they are read from are the ones a round writes. One row per situation a person meets.
 */
import { describe, expect, it } from "@jest/globals";
import { findCondition } from "../../../../src/api/condition.ts";
import { nextStatus, type StatusInput } from "../../../../src/controllers/upgradeplan/status.ts";
import type { PreflightCheck, SnapshotProgress } from "../../../../src/controllers/upgradeplan/preflight.ts";
import type { RolloutSummary } from "../../../../src/rollout/types.ts";

const NOW = Date.UTC(2026, 0, 1, 12);
const TARGET = "v1.31.4+rke2r1";
const ok: PreflightCheck[] = [{ name: "TargetVersion", passed: true, message: "target" }];

function rollout(overrides: Partial<RolloutSummary> = {}): RolloutSummary {
  return {
    tier: "etcd",
    counts: { total: 7, done: 0, inProgress: 0, pending: 7, failed: 0 },
    nodes: [],
    halted: false,
    complete: false,
    waiting: undefined,
    ...overrides,
  };
}

function refused(name: string, reason: string, message: string): Partial<StatusInput> {
  return {
    preflight: {
      state: "evaluated",
      checks: [...ok, { name, passed: false, message }],
      passed: false,
      reason,
      snapshot: undefined,
    },
  };
}

function snapshot(progress: SnapshotProgress, reason: string): Partial<StatusInput> {
  return {
    preflight: {
      state: "evaluated",
      checks: [...ok, { name: "Snapshot", passed: false, message: progress.message }],
      passed: false,
      reason,
      snapshot: progress,
    },
  };
}

function round(overrides: Partial<StatusInput>): StatusInput {
  return {
    now: NOW,
    generation: 1,
    previous: {},
    target: TARGET,
    paused: false,
    windowOpen: true,
    snapshotRequired: true,
    preflight: { state: "passedBefore" },
    rollout: rollout(),
    lastRetry: undefined,
    ...overrides,
  };
}

const running = {
  counts: { total: 7, done: 1, inProgress: 1, pending: 5, failed: 0 },
  nodes: [{ name: "server-1", tier: "etcd" as const, phase: "Running" as const, attempts: 1 }],
};

describe("UpgradePlan phase and message", () => {
  it.each<[string, Partial<StatusInput>, string, string]>([
    [
      "an invalid spec",
      { invalid: "spec: exactly one of version or channel must be set", target: undefined },
      "Blocked",
      "spec: exactly one of version or channel must be set",
    ],
    [
      "a channel that does not answer",
      { channelError: "channel x answered 404 Not Found", target: undefined },
      "Waiting",
      "channel x answered 404 Not Found",
    ],
    ["no target yet", { target: undefined }, "Pending", "resolving the target version"],
    [
      "a minor skip",
      refused(
        "VersionSkew",
        "SkewNotAllowed",
        "etcd-1: skips 1 minor version(s): upgrade one minor at a time or set skew.allowMinorSkip",
      ),
      "Blocked",
      "VersionSkew: etcd-1: skips 1 minor version(s): upgrade one minor at a time or set skew.allowMinorSkip",
    ],
    [
      "a Rancher-managed cluster",
      refused("RancherManaged", "ManagedByRancher", "Rancher upgrades it"),
      "Blocked",
      "RancherManaged: Rancher upgrades it",
    ],
    [
      "a missing policy",
      snapshot(
        { state: "Blocked", message: "EtcdSnapshotPolicy p not found: create it or change spec.snapshot.policyRef" },
        "SnapshotPolicyUnusable",
      ),
      "Blocked",
      "EtcdSnapshotPolicy p not found: create it or change spec.snapshot.policyRef",
    ],
    [
      "the lock held",
      refused("DisruptionLock", "DisruptionLockHeld", "CertRotation/c holds the disruption lock"),
      "Waiting",
      "DisruptionLock: CertRotation/c holds the disruption lock",
    ],
    [
      "etcd unhealthy at preflight",
      refused("EtcdHealthy", "EtcdUnhealthy", "etcd quorum guard: etcd-2 is not Ready"),
      "Waiting",
      "EtcdHealthy: etcd quorum guard: etcd-2 is not Ready",
    ],
    [
      "nodes not Ready",
      refused("NodesReady", "NodesNotReady", "not Ready: agent-1"),
      "Waiting",
      "NodesReady: not Ready: agent-1",
    ],
    [
      "storage unavailable",
      snapshot(
        { state: "StorageUnavailable", message: "storage of EtcdSnapshotPolicy s3 is unavailable: connection refused" },
        "StorageUnavailable",
      ),
      "Waiting",
      "storage of EtcdSnapshotPolicy s3 is unavailable: connection refused",
    ],
    [
      "a failed snapshot, retried",
      snapshot(
        { state: "Failed", message: "pre-upgrade snapshot failed: x; retried at 2026-01-01T12:00:30Z" },
        "SnapshotFailed",
      ),
      "Waiting",
      "pre-upgrade snapshot failed: x; retried at 2026-01-01T12:00:30Z",
    ],
    [
      "the snapshot being taken",
      snapshot({ state: "Running", message: "pre-upgrade snapshot running on etcd-1" }, "SnapshotInProgress"),
      "Upgrading",
      "pre-upgrade snapshot running on etcd-1",
    ],
    [
      "a closed window",
      { windowOpen: false, nextWindowStart: Date.UTC(2026, 0, 2, 1), preflight: { state: "deferred" } },
      "Waiting",
      "outside the maintenance window; it opens at 2026-01-02T01:00:00Z",
    ],
    [
      "a closed window, a node finishing",
      { windowOpen: false, rollout: rollout(running) },
      "Upgrading",
      "upgrading server-1; 1/7 at v1.31.4+rke2r1",
    ],
    ["paused", { paused: true, preflight: { state: "deferred" } }, "Paused", "spec.paused is true: no node starts"],
    [
      "the lock taken mid-rollout",
      {
        rollout: rollout({
          waiting: {
            reason: "DisruptionLockHeld",
            message: "another operation holds the disruption lock: CertRotation/c",
          },
        }),
      },
      "Waiting",
      "another operation holds the disruption lock: CertRotation/c",
    ],
    ["upgrading", { rollout: rollout(running) }, "Upgrading", "upgrading server-1; 1/7 at v1.31.4+rke2r1"],
    [
      "halted",
      {
        paused: true,
        rollout: rollout({
          halted: true,
          counts: { total: 7, done: 1, inProgress: 0, pending: 5, failed: 1 },
          nodes: [{ name: "etcd-1", tier: "etcd", phase: "Failed", attempts: 2, message: "Job failed" }],
        }),
      },
      "Halted",
      "etcd-1: Job failed; set a new spec.failurePolicy.retry to retry",
    ],
    [
      "done",
      {
        rollout: rollout({ complete: true, counts: { total: 7, done: 7, inProgress: 0, pending: 0, failed: 0 } }),
        preflight: { state: "evaluated", checks: ok, passed: true, reason: "PreflightSucceeded", snapshot: undefined },
      },
      "Succeeded",
      "all 7 selected node(s) run v1.31.4+rke2r1",
    ],
  ])("%s", (_, overrides, phase, message) => {
    const status = nextStatus(round(overrides));
    expect({ phase: status.phase, message: status.message }).toEqual({ phase, message });
    // The same text is not copied into several conditions.
    const messages = (status.conditions ?? []).map((c) => c.message);
    expect(messages.length - new Set(messages).size).toBe(0);
    // Ready=False carries the phase's reason, so `kubectl describe` and the events agree with PHASE.
    if (phase !== "Succeeded") expect(findCondition(status.conditions, "Ready")?.status).toBe("False");
  });

  it("says when the window opens, and nothing that moves while it waits", () => {
    const input = round({
      windowOpen: false,
      nextWindowStart: Date.UTC(2026, 0, 2, 1),
      preflight: { state: "deferred" },
    });
    const first = nextStatus(input);
    expect(first.nextWindowStart).toBe("2026-01-02T01:00:00Z");
    const later = nextStatus({ ...input, previous: first, now: NOW + 60_000 });
    expect(later).toEqual(first);
  });

  it("lists the current nodes and the lock holder for -o wide", () => {
    const status = nextStatus(round({ rollout: rollout(running), lockHolder: "UpgradePlan/p" }));
    expect(status).toMatchObject({ currentNodes: "server-1", lockHolder: "UpgradePlan/p" });
  });
});
