/**
 * Nodes grouped by rollout tier (etcd, control-plane, worker), with their versions and state: what
 * `status` prints and what the demo's live view draws. Pure.
 */
import { isNodeReady, kubeletVersionOf, type NodeObject } from "../rollout/kube-objects.ts";
import { rolesFromLabels, tierOf, TIER_ORDER, type Tier } from "../rke2/roles.ts";

export interface NodeSummary {
  name: string;
  tier: Tier;
  /** Role names as people say them: etcd, etcd+cp, cp, worker. */
  roles: string;
  version: string;
  ready: boolean;
  cordoned: boolean;
}

export interface TierGroup {
  tier: Tier;
  nodes: NodeSummary[];
}

export function summarizeNode(node: NodeObject): NodeSummary {
  const roles = rolesFromLabels(node.metadata.labels);
  const names = [roles.etcd ? "etcd" : "", roles.controlPlane ? "cp" : ""].filter((name) => name !== "");
  return {
    name: node.metadata.name,
    tier: tierOf(roles),
    roles: names.length > 0 ? names.join("+") : "worker",
    version: kubeletVersionOf(node) ?? "?",
    ready: isNodeReady(node),
    cordoned: node.spec?.unschedulable === true,
  };
}

/** Tiers in rollout order, each with its nodes by name; empty tiers are left out. */
export function groupByTier(nodes: readonly NodeSummary[]): TierGroup[] {
  return TIER_ORDER.map((tier) => ({
    tier,
    nodes: nodes.filter((node) => node.tier === tier).sort((a, b) => a.name.localeCompare(b.name)),
  })).filter((group) => group.nodes.length > 0);
}

/** `v1.31.4+rke2r1 x2, v1.30.6+rke2r1 x1`: versions by count, most common first. */
export function versionCounts(nodes: readonly NodeSummary[]): string {
  const counts = new Map<string, number>();
  for (const node of nodes) counts.set(node.version, (counts.get(node.version) ?? 0) + 1);
  return [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
    .map(([version, count]) => `${version} x${count}`)
    .join(", ");
}

/** A node's state: Ready, NotReady, Ready,cordoned (kubectl get nodes says SchedulingDisabled for cordoned). */
export function nodeState(node: NodeSummary): string {
  return `${node.ready ? "Ready" : "NotReady"}${node.cordoned ? ",cordoned" : ""}`;
}
