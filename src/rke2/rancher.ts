/**
 * Clusters that Rancher provisioned (v2 provisioning, "custom" or node-driver RKE2 clusters) are
 * run by rancher-system-agent: Rancher's planner upgrades them, rotates their certificates and
 * takes their etcd snapshots. RKE2's docs say not to do any of that by hand there, so the
 * operator must not either. Pure.
 *
 * The marker: Rancher's planner puts `--node-label rke.cattle.io/machine=<machine uid>` into the
 * RKE2 config of every node it plans (rancher/rancher `pkg/capr/planner/config.go` `addLabels`,
 * `capr.MachineUIDLabel`), so every node it provisioned carries that label. Imported clusters,
 * which Rancher does not plan, do not.
 */

/** Set on every node by Rancher's planner (`capr.MachineUIDLabel`). */
export const RANCHER_MACHINE_LABEL = "rke.cattle.io/machine";

/** On an EtcdSnapshotPolicy, CertRotation or UpgradePlan: `"true"` acts on a Rancher-managed cluster anyway. */
export const ALLOW_RANCHER_MANAGED_ANNOTATION = "rke2-lifecycle.io/allow-rancher-managed";

interface Labelled {
  metadata: { name: string; labels?: Record<string, string> | undefined };
}

interface Annotated {
  metadata: { annotations?: Record<string, string> | undefined };
}

export function rancherProvisionedNodes(nodes: readonly Labelled[]): string[] {
  return nodes
    .filter((node) => node.metadata.labels?.[RANCHER_MACHINE_LABEL] !== undefined)
    .map((node) => node.metadata.name)
    .sort();
}

/**
 * Why `owner` must not act on this cluster, or undefined when it may: no node carries Rancher's
 * marker, or the owner carries the override annotation.
 */
export function rancherRefusal(owner: Annotated, nodes: readonly Labelled[]): string | undefined {
  if (owner.metadata.annotations?.[ALLOW_RANCHER_MANAGED_ANNOTATION] === "true") return undefined;
  const marked = rancherProvisionedNodes(nodes);
  if (marked.length === 0) return undefined;
  const more = marked.length > 3 ? ` and ${marked.length - 3} more` : "";
  const shown = `${marked.slice(0, 3).join(", ")}${more}`;
  return (
    `this cluster was provisioned by Rancher (${shown} carry ${RANCHER_MACHINE_LABEL}): ` +
    "rancher-system-agent owns its upgrades, certificate rotation and etcd snapshots, so nothing is done here. " +
    "Use Rancher, or annotate this object " +
    `${ALLOW_RANCHER_MANAGED_ANNOTATION}="true" to act anyway`
  );
}
