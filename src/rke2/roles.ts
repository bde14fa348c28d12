/** Node roles as RKE2 labels them, and the rollout tier each role belongs to. */

export const ETCD_ROLE_LABEL = "node-role.kubernetes.io/etcd";
export const CONTROL_PLANE_ROLE_LABEL = "node-role.kubernetes.io/control-plane";
/** Set instead of (or besides) control-plane by older Kubernetes versions. */
export const MASTER_ROLE_LABEL = "node-role.kubernetes.io/master";

export interface NodeRoles {
  etcd: boolean;
  controlPlane: boolean;
}

export type Tier = "etcd" | "control-plane" | "worker";

/** Tiers in rollout order: a tier starts only when the one before it is done. */
export const TIER_ORDER: readonly Tier[] = ["etcd", "control-plane", "worker"];

export function rolesFromLabels(labels: Record<string, string> | undefined): NodeRoles {
  const has = (key: string): boolean => labels?.[key] === "true";
  return { etcd: has(ETCD_ROLE_LABEL), controlPlane: has(CONTROL_PLANE_ROLE_LABEL) || has(MASTER_ROLE_LABEL) };
}

/** etcd members (etcd-only and etcd+control-plane) go first, then control-plane-only servers, then agents. */
export function tierOf(roles: NodeRoles): Tier {
  if (roles.etcd) return "etcd";
  if (roles.controlPlane) return "control-plane";
  return "worker";
}

export const OS_LABEL = "kubernetes.io/os";

/**
 * Whether the node Jobs (Linux images: node-agent, rancher/rke2-upgrade) can run on the node.
 * RKE2 Windows agents are left out of every rollout; they are upgraded by other means.
 */
export function runsLinuxNodeJobs(labels: Record<string, string> | undefined): boolean {
  return labels?.[OS_LABEL] !== "windows";
}

/** Static pods RKE2 runs on a server, whose mirror pods in kube-system are named `<component>-<node>`. */
export function staticPodComponents(roles: NodeRoles): string[] {
  const components: string[] = [];
  if (roles.etcd) components.push("etcd");
  if (roles.controlPlane) components.push("kube-apiserver", "kube-controller-manager", "kube-scheduler");
  return components;
}

export function mirrorPodNames(nodeName: string, roles: NodeRoles): string[] {
  return staticPodComponents(roles).map((component) => `${component}-${nodeName}`);
}
