/**
 * Preflight, pure: what must hold before the first node of a target is touched. Each check says
 * why it failed; the first failing one gives PreflightPassed its reason.
 * - TargetVersion: the target is an RKE2 version;
 * - VersionSkew: no downgrade and no minor skip (unless allowed) from the lowest and the highest
 *   kubelet of the selected nodes and of the control plane, and no kubelet left a minor version
 *   newer than a control-plane node the plan does not upgrade;
 * - NodesReady: every selected node Ready (nodes this plan already works on excepted);
 * - EtcdHealthy: every etcd member Ready with its etcd pod Ready, none disrupted by another owner;
 * - DisruptionLock: no other operation holds the disruption lock;
 * - RancherManaged: the cluster is not one Rancher provisioned (rke2/rancher.ts), or the plan
 *   overrides that (checked first: nothing else matters there);
 * - Snapshot: the pre-upgrade snapshot verified (checked last, and only once the rest passed).
 */
import { UpgradePlanReasons } from "../../api/upgradeplan.ts";
import { etcdMembers } from "../../rollout/decide.ts";
import { etcdQuorumGuard } from "../../rollout/health.ts";
import type { ObservedNode, RolloutInput } from "../../rollout/types.ts";
import {
  checkSkew,
  compareRke2Versions,
  parseRke2Version,
  type Rke2Version,
  type SkewPolicy,
} from "../../rke2/versions.ts";

export interface PreflightCheck {
  name: string;
  passed: boolean;
  message: string;
}

/**
 * Blocked: the policy cannot be used (missing, invalid) until it or spec.snapshot.policyRef changes.
 * StorageUnavailable: its storage is down; no Job is started until it is back.
 */
export interface SnapshotProgress {
  state: "Pending" | "Running" | "Verified" | "Failed" | "Blocked" | "StorageUnavailable";
  snapshot?: { name: string; takenAt: string };
  message: string;
  /** After "Failed": when the next attempt starts. */
  retryInMs?: number;
  /** While waiting on what no watch shows (the bucket, a storage check): when to look again. */
  recheckInMs?: number;
}

const MAX_NAMES = 5;

export function listNames(names: readonly string[]): string {
  return names.length <= MAX_NAMES
    ? names.join(", ")
    : `${names.slice(0, MAX_NAMES).join(", ")} and ${names.length - MAX_NAMES} more`;
}

function versions(nodes: readonly ObservedNode[]): {
  parsed: { node: string; version: Rke2Version }[];
  unreadable: string[];
} {
  const parsed: { node: string; version: Rke2Version }[] = [];
  const unreadable: string[] = [];
  for (const node of nodes) {
    const version = node.kubeletVersion === undefined ? undefined : parseRke2Version(node.kubeletVersion);
    if (version) parsed.push({ node: node.name, version });
    else unreadable.push(node.name);
  }
  parsed.sort((a, b) => compareRke2Versions(a.version, b.version) || a.node.localeCompare(b.node));
  return { parsed, unreadable };
}

export function skewCheck(target: Rke2Version, nodes: readonly ObservedNode[], policy: SkewPolicy): PreflightCheck {
  const selected = nodes.filter((node) => node.selected);
  const controlPlane = nodes.filter((node) => node.roles.controlPlane);
  const fromSelected = versions(selected);
  const fromControlPlane = versions(controlPlane);
  const unreadable = [...new Set([...fromSelected.unreadable, ...fromControlPlane.unreadable])];
  if (unreadable.length > 0)
    return { name: "VersionSkew", passed: false, message: `kubelet version unreadable on ${listNames(unreadable)}` };
  const bounds = [
    fromSelected.parsed[0],
    fromSelected.parsed.at(-1),
    fromControlPlane.parsed[0],
    fromControlPlane.parsed.at(-1),
  ];
  for (const bound of bounds) {
    if (bound === undefined) continue;
    const verdict = checkSkew(bound.version, target, policy);
    if (!verdict.allowed) return { name: "VersionSkew", passed: false, message: `${bound.node}: ${verdict.message}` };
  }
  // The skew policy speaks of minor versions: a kubelet a patch ahead of an API server is fine.
  const left = versions(controlPlane.filter((node) => !node.selected)).parsed[0];
  if (
    left &&
    (target.major > left.version.major || (target.major === left.version.major && target.minor > left.version.minor))
  ) {
    return {
      name: "VersionSkew",
      passed: false,
      message:
        `control-plane node ${left.node} stays at ${left.version.raw} (not selected): ` +
        "kubelets must not be newer than the control plane",
    };
  }
  const lowest = fromSelected.parsed[0]?.version.raw;
  const highest = fromSelected.parsed.at(-1)?.version.raw;
  return {
    name: "VersionSkew",
    passed: true,
    message:
      lowest === undefined
        ? "no nodes selected"
        : `from ${lowest === highest ? lowest : `${lowest}..${highest}`} to ${target.raw}`,
  };
}

export interface PreflightFacts {
  target: string;
  skew: SkewPolicy;
  input: RolloutInput;
  /** Why Rancher owns this cluster's upgrades (rke2/rancher.ts), when it does and the plan does not override it. */
  rancherRefusal?: string | undefined;
}

/** The checks that need no I/O; the snapshot check is added by the caller once these pass. */
export function preflightChecks(facts: PreflightFacts): PreflightCheck[] {
  const { input } = facts;
  if (facts.rancherRefusal !== undefined) {
    return [{ name: "RancherManaged", passed: false, message: facts.rancherRefusal }];
  }
  const target = parseRke2Version(facts.target);
  const checks: PreflightCheck[] = [
    target
      ? { name: "TargetVersion", passed: true, message: `target ${target.raw}` }
      : {
          name: "TargetVersion",
          passed: false,
          message: `${facts.target} is not an RKE2 version such as v1.31.4+rke2r1`,
        },
  ];
  if (!target) return checks;
  checks.push(skewCheck(target, input.nodes, facts.skew));

  const ours = (node: ObservedNode): boolean => node.claim?.owner === input.owner;
  const notReady = input.nodes.filter((node) => node.selected && !node.ready && !ours(node)).map((node) => node.name);
  checks.push(
    notReady.length === 0
      ? { name: "NodesReady", passed: true, message: "every selected node is Ready" }
      : { name: "NodesReady", passed: false, message: `not Ready: ${listNames(notReady)}` },
  );

  // Our own claimed members (a retarget mid-rollout) must be healthy but do not count as "worked on".
  const members = etcdMembers(input.nodes).map((member) =>
    member.claimedBy === input.owner ? { ...member, claimedBy: undefined } : member,
  );
  const guard = members.length === 0 ? { ok: true as const } : etcdQuorumGuard(members);
  checks.push(
    guard.ok
      ? { name: "EtcdHealthy", passed: true, message: `${members.length} etcd member(s) healthy` }
      : { name: "EtcdHealthy", passed: false, message: guard.message },
  );

  const holder = input.lock.holder;
  const lockFree = holder === undefined || holder === input.owner || input.lock.holderGone;
  checks.push(
    lockFree
      ? { name: "DisruptionLock", passed: true, message: "no other disruptive operation is running" }
      : { name: "DisruptionLock", passed: false, message: `${holder} holds the disruption lock` },
  );
  return checks;
}

export function snapshotCheck(required: boolean, progress: SnapshotProgress | undefined): PreflightCheck {
  if (!required) return { name: "Snapshot", passed: true, message: "not required (snapshot.required is false)" };
  if (progress?.state === "Verified") return { name: "Snapshot", passed: true, message: progress.message };
  return { name: "Snapshot", passed: false, message: progress?.message ?? "waiting for the other checks" };
}

/** The reason PreflightPassed carries for the first failing check. */
export function preflightReason(checks: readonly PreflightCheck[], snapshot: SnapshotProgress | undefined): string {
  const failed = checks.find((check) => !check.passed);
  switch (failed?.name) {
    case undefined:
      return UpgradePlanReasons.PreflightSucceeded;
    case "VersionSkew":
      return UpgradePlanReasons.SkewNotAllowed;
    case "EtcdHealthy":
      return UpgradePlanReasons.EtcdUnhealthy;
    case "DisruptionLock":
      return UpgradePlanReasons.DisruptionLockHeld;
    case "RancherManaged":
      return UpgradePlanReasons.ManagedByRancher;
    case "NodesReady":
      return UpgradePlanReasons.NodesNotReady;
    case "Snapshot":
      return snapshotReason(snapshot);
    default:
      return UpgradePlanReasons.PreflightFailed;
  }
}

/** The SnapshotTaken reason of a snapshot that is not verified yet. */
export function snapshotReason(snapshot: SnapshotProgress | undefined): string {
  switch (snapshot?.state) {
    case "Failed":
      return UpgradePlanReasons.SnapshotFailed;
    case "Blocked":
      return UpgradePlanReasons.SnapshotPolicyUnusable;
    case "StorageUnavailable":
      return UpgradePlanReasons.StorageUnavailable;
    default:
      return UpgradePlanReasons.SnapshotInProgress;
  }
}
