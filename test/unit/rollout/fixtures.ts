/** Builders for the engine's pure input, shared by the rollout unit tests. */
import type { DrainSpec } from "../../../src/api/common.ts";
import { targetHash, type NodeClaim } from "../../../src/rollout/claim.ts";
import type {
  NodeStep,
  ObservedJob,
  ObservedNode,
  RolloutDecision,
  RolloutInput,
  RolloutPolicy,
} from "../../../src/rollout/types.ts";
import { mirrorPodNames, tierOf, type NodeRoles } from "../../../src/rke2/roles.ts";

export const T0 = Date.UTC(2026, 0, 1, 12);
export const OWNER = "UpgradePlan/p";
export const TARGET = targetHash("v1.31.4+rke2r1");
export const OLD_TARGET = targetHash("v1.31.2+rke2r1");
export const SETTLE_MS = 30_000;

export type Role = "etcd" | "etcd+cp" | "cp" | "worker";

const ROLES: Record<Role, NodeRoles> = {
  etcd: { etcd: true, controlPlane: false },
  "etcd+cp": { etcd: true, controlPlane: true },
  cp: { etcd: false, controlPlane: true },
  worker: { etcd: false, controlPlane: false },
};

export function drainSpec(enabled: boolean, overrides: Partial<DrainSpec> = {}): DrainSpec {
  return {
    enabled,
    timeout: "10m",
    gracePeriodSeconds: -1,
    deleteEmptyDirData: true,
    ignoreDaemonSets: true,
    force: false,
    disableEviction: false,
    ...overrides,
  };
}

export function policy(overrides: Partial<RolloutPolicy> = {}): RolloutPolicy {
  return {
    concurrency: { etcd: 1, "control-plane": 1, worker: 2 },
    drain: { etcd: drainSpec(false), "control-plane": drainSpec(false), worker: drainSpec(true) },
    healthGate: { timeoutMs: 15 * 60_000, settleMs: SETTLE_MS, kubeletVersion: "v1.31.4+rke2r1" },
    maxAttemptsPerNode: 2,
    ...overrides,
  };
}

export function node(name: string, role: Role, overrides: Partial<ObservedNode> = {}): ObservedNode {
  const roles = ROLES[role];
  return {
    name,
    resourceVersion: "10",
    roles,
    tier: tierOf(roles),
    selected: true,
    ready: true,
    readySinceMs: T0 - 3_600_000,
    unschedulable: false,
    kubeletVersion: "v1.30.6+rke2r1",
    claim: undefined,
    doneHash: undefined,
    mirrorPods: mirrorPodNames(name, roles).map((pod) => ({
      name: pod,
      exists: true,
      ready: true,
      readySinceMs: T0 - 3_600_000,
    })),
    jobs: [],
    satisfied: false,
    ...overrides,
  };
}

/** The demo cluster (docs/sim-cluster.md): 1 etcd-only, 2 etcd+control-plane, 1 control-plane-only, 3 workers. */
export function demoNodes(): ObservedNode[] {
  return [
    node("etcd-1", "etcd"),
    node("server-1", "etcd+cp"),
    node("server-2", "etcd+cp"),
    node("cp-1", "cp"),
    node("agent-1", "worker"),
    node("agent-2", "worker"),
    node("agent-3", "worker"),
  ];
}

export function claim(overrides: Partial<NodeClaim> = {}): NodeClaim {
  return {
    owner: OWNER,
    target: TARGET,
    attempts: 1,
    attemptStartedAt: new Date(T0 - 60_000).toISOString(),
    wasUnschedulable: false,
    claimedAt: new Date(T0 - 60_000).toISOString(),
    ...overrides,
  };
}

export const jobName = (nodeName: string, attempt: number): string => `upgrade-p-${nodeName}-a${attempt}`;

export function job(
  nodeName: string,
  attempt: number,
  state: ObservedJob["state"],
  overrides: Partial<ObservedJob> = {},
): ObservedJob {
  return {
    name: jobName(nodeName, attempt),
    state,
    deleting: false,
    ...(state === "Running" ? {} : { finishedAtMs: T0 - 45_000 }),
    ...overrides,
  };
}

/** A node claimed by us whose Job finished and which came back healthy at the target. */
export function healthyAfterJob(name: string, role: Role, overrides: Partial<ObservedNode> = {}): ObservedNode {
  const base = node(name, role, {
    unschedulable: true,
    claim: claim(),
    jobs: [job(name, 1, "Succeeded")],
    kubeletVersion: "v1.31.4+rke2r1",
    readySinceMs: T0 - 40_000,
  });
  return { ...base, mirrorPods: base.mirrorPods.map((pod) => ({ ...pod, readySinceMs: T0 - 40_000 })), ...overrides };
}

export function input(nodes: ObservedNode[], overrides: Partial<RolloutInput> = {}): RolloutInput {
  return {
    now: T0,
    owner: OWNER,
    targetHash: TARGET,
    nodes,
    policy: policy(),
    mayStart: true,
    retryFailed: false,
    releasing: false,
    lock: { holder: undefined, holderGone: false },
    jobName,
    ...overrides,
  };
}

// What a decision does, for assertions.
export const claimed = (decision: RolloutDecision): string[] =>
  decision.steps
    .filter((s): s is Extract<NodeStep, { kind: "writeClaim" }> => s.kind === "writeClaim")
    .map((s) => s.node);
export const finished = (decision: RolloutDecision): string[] =>
  decision.steps.filter((s) => s.kind === "finish" || s.kind === "label").map((s) => ("node" in s ? s.node : ""));
/** The engine saw these nodes healthy 40 s ago: their settle time is over. */
export const settled = (...names: string[]) => ({
  healthySince: new Map(names.map((name): [string, number] => [name, T0 - 40_000])),
});
export const step = (decision: RolloutDecision, name: string): NodeStep | undefined =>
  decision.steps.find((s) => ("node" in s ? s.node : s.work.node) === name);
