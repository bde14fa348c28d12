/**
 * Which etcd members may take a snapshot now. Pure.
 *
 * A member is healthy when its Node is Ready and its etcd mirror pod `kube-system/etcd-<node>` is
 * Ready (the probe behind it is etcd's own :2381/health). A snapshot streams the whole database
 * from the member's etcd, so an unhealthy member would fail or, worse, save a stale copy.
 */
import { createHash } from "node:crypto";
import { ETCD_ROLE_LABEL } from "../../rke2/roles.ts";
import type { KubeObject } from "../../runtime/kube/types.ts";

export const ETCD_MIRROR_POD_NAMESPACE = "kube-system";
/** RKE2's static etcd pod carries this label (as the sim's does). */
export const ETCD_MIRROR_POD_SELECTOR = "component=etcd";

interface ConditionLike {
  type: string;
  status: string;
}

export interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { conditions?: ConditionLike[] };
}

export interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: ConditionLike[] };
}

/**
 * A node with RKE2's etcd role as the snapshot controller sees it (the rollout engine's quorum
 * guard has its own view, EtcdMember in rollout/health.ts).
 */
export interface EtcdNodeState {
  name: string;
  healthy: boolean;
  /** Why it is not healthy. */
  reason?: string;
  cordoned: boolean;
}

export function etcdMirrorPodName(node: string): string {
  return `etcd-${node}`;
}

function isTrue(conditions: readonly ConditionLike[] | undefined, type: string): boolean {
  return conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}

/** Every node with RKE2's etcd role, healthy or not, sorted by name. */
export function etcdNodeStates(
  nodes: readonly NodeLike[],
  mirrorPodsByName: ReadonlyMap<string, PodLike>,
): EtcdNodeState[] {
  return nodes
    .filter((node) => node.metadata.labels?.[ETCD_ROLE_LABEL] === "true")
    .map((node): EtcdNodeState => {
      const name = node.metadata.name;
      const cordoned = node.spec?.unschedulable === true;
      if (node.metadata.deletionTimestamp)
        return { name, healthy: false, reason: "the Node is being deleted", cordoned };
      if (!isTrue(node.status?.conditions, "Ready"))
        return { name, healthy: false, reason: "the Node is not Ready", cordoned };
      const pod = mirrorPodsByName.get(etcdMirrorPodName(name));
      if (!pod)
        return {
          name,
          healthy: false,
          reason: `no etcd mirror pod ${ETCD_MIRROR_POD_NAMESPACE}/${etcdMirrorPodName(name)}`,
          cordoned,
        };
      if (!isTrue(pod.status?.conditions, "Ready"))
        return { name, healthy: false, reason: `etcd pod ${etcdMirrorPodName(name)} is not Ready`, cordoned };
      return { name, healthy: true, cordoned };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export type NodeChoice = { ok: true; nodes: string[] } | { ok: false; reason: string };

export type NodesMode = "OneEtcdNode" | "AllEtcdNodes";

/**
 * The nodes a run uses. `busy` are nodes where a snapshot save is running already (of any owner):
 * RKE2 refuses a second one there ("snapshot save already in progress"), so we never start one.
 * OneEtcdNode prefers uncordoned members (a cordoned one is probably being upgraded) and spreads
 * runs over the members by the run's identity, so local copies do not pile up on one disk.
 * AllEtcdNodes takes every healthy member and waits while any of them is busy.
 */
export function chooseNodes(
  mode: NodesMode,
  members: readonly EtcdNodeState[],
  busy: ReadonlySet<string>,
  identity: string,
): NodeChoice {
  const healthy = members.filter((m) => m.healthy);
  if (members.length === 0) return { ok: false, reason: `no node has the label ${ETCD_ROLE_LABEL}=true` };
  if (healthy.length === 0) {
    return {
      ok: false,
      reason: `no healthy etcd member: ${members.map((m) => `${m.name} (${m.reason ?? "unhealthy"})`).join(", ")}`,
    };
  }
  if (mode === "AllEtcdNodes") {
    const occupied = healthy.filter((m) => busy.has(m.name)).map((m) => m.name);
    if (occupied.length > 0)
      return { ok: false, reason: `waiting for the snapshot save running on ${occupied.join(", ")}` };
    return { ok: true, nodes: healthy.map((m) => m.name) };
  }
  const free = healthy.filter((m) => !busy.has(m.name));
  if (free.length === 0)
    return {
      ok: false,
      reason: `every healthy etcd member is busy with a snapshot save: ${healthy.map((m) => m.name).join(", ")}`,
    };
  const preferred = free.some((m) => !m.cordoned) ? free.filter((m) => !m.cordoned) : free;
  const index = Number.parseInt(createHash("sha256").update(identity).digest("hex").slice(0, 8), 16) % preferred.length;
  const chosen = preferred[index] ?? preferred[0];
  return chosen ? { ok: true, nodes: [chosen.name] } : { ok: false, reason: "no etcd member to choose" };
}
