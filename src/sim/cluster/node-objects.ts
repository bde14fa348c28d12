/** The Node, Lease and mirror pod objects a simulated RKE2 node's kubelet writes. */
import { createHash } from "node:crypto";
import { staticPodComponents } from "../../rke2/roles.ts";
import type { Condition, Lease, Node, NodeStatus, Pod } from "./kinds.ts";
import { rfc3339 } from "./kinds.ts";
import { nodeAddress, type SimNodeSpec } from "./topology.ts";
import { nodeImages } from "./node-images.ts";
import { runningPodStatus } from "./pod-status.ts";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";
export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
/** Kubelet's lease duration (40 s) is what node-monitor-grace-period matches. */
export const NODE_LEASE_DURATION_SECONDS = 40;

export type NodeHealth = "ready" | "restarting" | "not-ready";

/** Who writes which part of an RKE2 Node; each write goes out under its own field manager. */
export const NODE_WRITERS = ["kubelet", "rke2", "kube-controller-manager", "flanneld"] as const;
export type NodeWriter = (typeof NODE_WRITERS)[number];

/** What the kubelet registers: its labels, the attach-detach annotation, provider ID and taints. */
export function buildNode(spec: SimNodeSpec): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      labels: { ...spec.labels },
      annotations: { "volumes.kubernetes.io/controller-managed-attach-detach": "true" },
    },
    spec: { providerID: `rke2://${spec.name}`, ...(spec.taints.length > 0 ? { taints: spec.taints } : {}) },
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** k3s/rke2 nodeconfig: the base32 SHA-256 of the node's args and env, padded. */
function base32(bytes: Buffer): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet.charAt((value << (5 - bits)) & 31);
  return out.padEnd(Math.ceil(out.length / 8) * 8, "=");
}

/** The arguments rke2 was started with, secrets masked, as rke2 records them (`rke2.io/node-args`). */
function nodeArgs(spec: SimNodeSpec): string[] {
  const ip = nodeAddress(spec.index);
  const common = ["--node-ip", ip, "--node-name", spec.name, "--token", "********"];
  const kubelet = ["--kubelet-arg", "max-pods=110", "--profile", "cis"];
  if (!spec.roles.etcd && !spec.roles.controlPlane)
    return ["agent", "--server", "https://rke2.example.internal:9345", ...common, ...kubelet];
  const server = ["server", ...common, ...kubelet, "--cni", "canal", "--tls-san", "rke2.example.internal"];
  const snapshots = ["--etcd-snapshot-schedule-cron", "0 */6 * * *", "--etcd-snapshot-retention", "20", "--etcd-s3"];
  const etcd = spec.roles.etcd ? snapshots : ["--disable-etcd"];
  return [...server, ...etcd, ...(spec.roles.controlPlane ? ["--secrets-encryption"] : ["--disable-apiserver"])];
}

/** rke2's metadata (labels and annotations of `rke2.io`, and of its etcd member controller on etcd nodes). */
function rke2Metadata(spec: SimNodeSpec, version: string): Record<string, string> {
  const ip = nodeAddress(spec.index);
  const args = JSON.stringify(nodeArgs(spec));
  const versionDir = `${version.replace("+", "-")}-${sha256(version).toString("hex").slice(0, 12)}`;
  const dataDir = `/var/lib/rancher/rke2/data/${versionDir}`;
  const env = JSON.stringify({ RKE2_DATA_DIR: dataDir });
  const annotations: Record<string, string> = {
    "rke2.io/hostname": spec.name,
    "rke2.io/internal-ip": ip,
    "rke2.io/node-args": args,
    "rke2.io/node-env": env,
    "rke2.io/node-config-hash": base32(sha256(args + env)),
  };
  const hashOf = (what: string): string => sha256(`${spec.name}/${what}`).toString("hex");
  if (spec.roles.controlPlane) annotations["rke2.io/encryption-config-hash"] = `start-${hashOf("encryption")}`;
  if (spec.roles.etcd) {
    annotations["etcd.rke2.cattle.io/node-name"] = `${spec.name}-${hashOf("etcd").slice(0, 8)}`;
    annotations["etcd.rke2.cattle.io/node-address"] = ip;
  }
  // What the topology says beyond (a node's own `rke2.io/node-args` naming a data dir).
  return { ...annotations, ...spec.annotations };
}

/**
 * What the other writers add to a registered Node, one merge patch each: rke2 its annotations,
 * the controller manager the pod CIDR (node IPAM) and the TTL annotation, flannel (canal's
 * kube subnet manager) its VXLAN backend annotations.
 */
export function nodeMetadataPatches(spec: SimNodeSpec, version: string): { writer: NodeWriter; patch: object }[] {
  const cidr = `10.42.${spec.index % 256}.0/24`;
  const mac = sha256(`${spec.name}/vtep`).subarray(0, 6);
  mac[0] = ((mac[0] ?? 0) & 0xfe) | 0x02;
  const vtepMac = [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join(":");
  return [
    { writer: "rke2", patch: { metadata: { annotations: rke2Metadata(spec, version) } } },
    {
      writer: "kube-controller-manager",
      patch: {
        metadata: { annotations: { "node.alpha.kubernetes.io/ttl": "0" } },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      },
    },
    {
      writer: "flanneld",
      patch: {
        metadata: {
          annotations: {
            "flannel.alpha.coreos.com/backend-data": JSON.stringify({ VNI: 1, VtepMAC: vtepMac }),
            "flannel.alpha.coreos.com/backend-type": "vxlan",
            "flannel.alpha.coreos.com/kube-subnet-manager": "true",
            "flannel.alpha.coreos.com/public-ip": nodeAddress(spec.index),
          },
        },
      },
    },
  ];
}

function readyCondition(health: NodeHealth, now: string, previous: Condition | undefined): Condition {
  const byHealth: Record<NodeHealth, Pick<Condition, "status" | "reason" | "message">> = {
    ready: { status: "True", reason: "KubeletReady", message: "kubelet is posting ready status" },
    // rke2 (and with it the kubelet) is down: nobody posts status; what the node lifecycle controller then shows.
    restarting: { status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." },
    "not-ready": {
      status: "False",
      reason: "KubeletNotReady",
      message: "PLEG is not healthy: pleg has yet to be successful",
    },
  };
  const next = byHealth[health];
  const transition = previous?.status === next.status ? (previous.lastTransitionTime ?? now) : now;
  return { type: "Ready", ...next, lastHeartbeatTime: now, lastTransitionTime: transition };
}

function pressure(
  type: string,
  reason: string,
  message: string,
  now: string,
  previous: readonly Condition[] | undefined,
): Condition {
  const since = previous?.find((c) => c.type === type)?.lastTransitionTime ?? now;
  return { type, status: "False", reason, message, lastHeartbeatTime: now, lastTransitionTime: since };
}

/** The status the kubelet posts: conditions, addresses, capacity and the version it runs. */
export function buildNodeStatus(
  spec: SimNodeSpec,
  version: string,
  health: NodeHealth,
  nowMs: number,
  previous: NodeStatus | undefined,
): NodeStatus {
  const now = rfc3339(nowMs);
  const prior = previous?.conditions;
  const capacity = {
    cpu: "4",
    memory: "16365140Ki",
    pods: "110",
    "ephemeral-storage": "102687672Ki",
    "hugepages-2Mi": "0",
  };
  return {
    conditions: [
      pressure("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", now, prior),
      pressure("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now, prior),
      pressure("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available", now, prior),
      readyCondition(
        health,
        now,
        prior?.find((c) => c.type === "Ready"),
      ),
    ],
    addresses: [
      { type: "InternalIP", address: nodeAddress(spec.index) },
      { type: "Hostname", address: spec.name },
    ],
    capacity,
    allocatable: capacity,
    daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
    images: nodeImages(version),
    nodeInfo: {
      architecture: "amd64",
      bootID: createHash("sha256").update(`${spec.name}/boot`).digest("hex").slice(0, 32),
      containerRuntimeVersion: "containerd://1.7.22-k3s1",
      kernelVersion: "5.15.0-122-generic",
      kubeProxyVersion: version,
      kubeletVersion: version,
      machineID: createHash("sha256").update(spec.name).digest("hex").slice(0, 32),
      operatingSystem: "linux",
      osImage: "Ubuntu 22.04.5 LTS",
      systemUUID: createHash("sha256").update(`${spec.name}/uuid`).digest("hex").slice(0, 32),
    },
  };
}

export function buildNodeLease(nodeName: string, nodeUid: string | undefined, nowMs: number): Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: NODE_LEASE_DURATION_SECONDS,
      renewTime: new Date(nowMs).toISOString().replace("Z", "000Z"),
    },
  };
}

function componentImage(component: string, version: string): string {
  if (component === "etcd") return "index.docker.io/rancher/hardened-etcd:v3.5.16-k3s1-build20241106";
  return `index.docker.io/rancher/hardened-kubernetes:${version.replace("+", "-")}-build20241023`;
}

/**
 * A server's static pods as mirror pods: `kube-system/<component>-<node>`, owned by the Node as
 * the kubelet does it, the config hash changing with the version (a new static pod manifest).
 */
export function buildMirrorPods(spec: SimNodeSpec, nodeUid: string, version: string): Pod[] {
  return staticPodComponents(spec.roles).map((component) => {
    const hash = createHash("sha256").update(`${spec.name}/${component}/${version}`).digest("hex").slice(0, 32);
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${component}-${spec.name}`,
        namespace: "kube-system",
        labels: { component, tier: "control-plane" },
        annotations: {
          [MIRROR_ANNOTATION]: hash,
          "kubernetes.io/config.hash": hash,
          "kubernetes.io/config.source": "file",
        },
        ownerReferences: [{ apiVersion: "v1", kind: "Node", name: spec.name, uid: nodeUid, controller: true }],
      },
      spec: {
        nodeName: spec.name,
        hostNetwork: true,
        priorityClassName: "system-cluster-critical",
        tolerations: [{ operator: "Exists", effect: "NoExecute" }],
        containers: [{ name: component, image: componentImage(component, version) }],
      },
    };
  });
}

/** Status of a mirror pod: Running, Ready unless its component's probe fails. */
export function mirrorPodStatus(pod: Pod, nodeIndex: number, ready: boolean, startedMs: number, nowMs: number) {
  return runningPodStatus(pod, {
    hostIP: nodeAddress(nodeIndex),
    podIP: nodeAddress(nodeIndex),
    ready,
    startedMs,
    nowMs,
  });
}
