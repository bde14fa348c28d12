/** Which nodes a simulated RKE2 cluster has, and the labels and taints RKE2 (as configured) gives them. */
import { CONTROL_PLANE_ROLE_LABEL, ETCD_ROLE_LABEL, MASTER_ROLE_LABEL, type NodeRoles } from "../../rke2/roles.ts";
import { NODE_ARGS_ANNOTATION } from "../../rke2/data-dir.ts";
import { RANCHER_MACHINE_LABEL } from "../../rke2/rancher.ts";
import type { Taint } from "./kinds.ts";

export interface ServerSpec {
  name: string;
  roles: NodeRoles;
}

export interface TopologySpec {
  servers: ServerSpec[];
  /** A count (named `agent-1`...) or explicit names. */
  agents: number | string[];
  /** The RKE2 version every node starts at, e.g. `v1.30.6+rke2r1`. */
  version: string;
  /**
   * Taint split-role servers as RKE2's docs (and Rancher) configure them with `node-taint`:
   * etcd-only `node-role.kubernetes.io/etcd=true:NoExecute`, control-plane-only
   * `node-role.kubernetes.io/control-plane=true:NoSchedule`. RKE2 adds no taint by itself. Default true.
   */
  taintSplitRoles?: boolean;
  /**
   * A cluster Rancher provisioned: every node carries the `rke.cattle.io/machine=<machine uid>`
   * label Rancher's planner puts in its RKE2 config (rke2/rancher.ts). Default false.
   */
  rancherProvisioned?: boolean;
  /**
   * Nodes that run RKE2 with another `data-dir`, by node name: their Node carries it in
   * `rke2.io/node-args`, as RKE2 writes it (rke2/data-dir.ts). Default none.
   */
  dataDirs?: Record<string, string>;
}

export interface SimNodeSpec {
  name: string;
  roles: NodeRoles;
  /** Position in the topology: addresses derive from it. */
  index: number;
  labels: Record<string, string>;
  /** Annotations RKE2 sets beyond the ones every node has. */
  annotations?: Record<string, string>;
  taints: Taint[];
}

/** The demo cluster (docs/sim-cluster.md): 1 etcd-only, 2 etcd+control-plane, 1 control-plane-only, 3 workers. */
export function demoTopology(version = "v1.30.6+rke2r1"): TopologySpec {
  return {
    servers: [
      { name: "etcd-1", roles: { etcd: true, controlPlane: false } },
      { name: "server-1", roles: { etcd: true, controlPlane: true } },
      { name: "server-2", roles: { etcd: true, controlPlane: true } },
      { name: "cp-1", roles: { etcd: false, controlPlane: true } },
    ],
    agents: 3,
    version,
    taintSplitRoles: true,
  };
}

/** A large cluster for scale runs: 3 etcd+control-plane servers and the rest agents. */
export function scaleTopology(nodes: number, version = "v1.30.6+rke2r1"): TopologySpec {
  const servers = Math.min(3, nodes);
  return {
    servers: Array.from({ length: servers }, (_, i) => ({
      name: `server-${i + 1}`,
      roles: { etcd: true, controlPlane: true },
    })),
    agents: nodes - servers,
    version,
  };
}

function labelsFor(name: string, roles: NodeRoles): Record<string, string> {
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/instance-type": "rke2",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": name,
    "kubernetes.io/os": "linux",
    "node.kubernetes.io/instance-type": "rke2",
  };
  if (roles.etcd) labels[ETCD_ROLE_LABEL] = "true";
  if (roles.controlPlane) {
    labels[CONTROL_PLANE_ROLE_LABEL] = "true";
    labels[MASTER_ROLE_LABEL] = "true";
  }
  return labels;
}

function taintsFor(roles: NodeRoles, taintSplitRoles: boolean): Taint[] {
  if (!taintSplitRoles) return [];
  if (roles.etcd && !roles.controlPlane) return [{ key: ETCD_ROLE_LABEL, value: "true", effect: "NoExecute" }];
  if (roles.controlPlane && !roles.etcd)
    return [{ key: CONTROL_PLANE_ROLE_LABEL, value: "true", effect: "NoSchedule" }];
  return [];
}

/** Expands a topology into node specs; throws on duplicate names (a programming error). */
export function expandTopology(spec: TopologySpec): SimNodeSpec[] {
  const agentNames =
    typeof spec.agents === "number" ? Array.from({ length: spec.agents }, (_, i) => `agent-${i + 1}`) : spec.agents;
  const all: { name: string; roles: NodeRoles }[] = [
    ...spec.servers,
    ...agentNames.map((name) => ({ name, roles: { etcd: false, controlPlane: false } })),
  ];
  const seen = new Set<string>();
  return all.map((node, index) => {
    if (seen.has(node.name)) throw new Error(`duplicate node name ${node.name} in topology`);
    seen.add(node.name);
    const labels = labelsFor(node.name, node.roles);
    if (spec.rancherProvisioned) labels[RANCHER_MACHINE_LABEL] = machineUid(index);
    const dataDir = spec.dataDirs?.[node.name];
    const role = node.roles.etcd || node.roles.controlPlane ? "server" : "agent";
    const nodeArgs = JSON.stringify([role, "--data-dir", dataDir]);
    const annotations = dataDir === undefined ? {} : { annotations: { [NODE_ARGS_ANNOTATION]: nodeArgs } };
    const taints = taintsFor(node.roles, spec.taintSplitRoles ?? true);
    return { name: node.name, roles: node.roles, index, labels, ...annotations, taints };
  });
}

/** A stable stand-in for the uid of the CAPI Machine Rancher made for the node. */
function machineUid(index: number): string {
  return `00000000-0000-4000-8000-${index.toString(16).padStart(12, "0")}`;
}

/** The node's InternalIP: 10.0.0.0/16 by topology position (RKE2 reports the host address). */
export function nodeAddress(index: number): string {
  return `10.0.${Math.floor((index + 10) / 250)}.${((index + 10) % 250) + 1}`;
}
