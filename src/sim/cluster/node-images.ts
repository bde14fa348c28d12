/**
 * `status.images` of a simulated RKE2 node: what the kubelet reports from containerd's image
 * store. An RKE2 node holds its own images (rke2-runtime, hardened-kubernetes, the CNI, CoreDNS,
 * ingress, metrics-server, the Helm add-on jobs), the same images of the versions it ran before an
 * upgrade, and some workload images: about 50 entries. Simulated: names and sizes are the shape of
 * RKE2's image list, the digests are made up (a hash of the name), not the published ones.
 */
import { createHash } from "node:crypto";

export interface ContainerImage {
  names: string[];
  sizeBytes: number;
}

/** Repository (under docker.io/rancher), tag, size in MB. The kubelet reports sizes in bytes. */
const RKE2_IMAGES: readonly (readonly [string, string, number])[] = [
  ["hardened-calico", "v3.28.2-build20241016", 223],
  ["hardened-flannel", "v0.25.7-build20241008", 27],
  ["hardened-cni-plugins", "v1.5.1-build20240910", 31],
  ["hardened-coredns", "v1.11.3-build20241018", 24],
  ["hardened-cluster-autoscaler", "v1.8.11-build20241014", 14],
  ["hardened-dns-node-cache", "1.23.1-build20241008", 35],
  ["hardened-k8s-metrics-server", "v0.7.1-build20241008", 21],
  ["hardened-addon-resizer", "1.8.20-build20241001", 13],
  ["hardened-multus-cni", "v4.1.3-build20241028", 45],
  ["hardened-whereabouts", "v0.8.0-build20240910", 22],
  ["hardened-snapshot-controller", "v6.2.2-build20241008", 25],
  ["hardened-sriov-network-operator", "v1.3.0-build20240816", 33],
  ["klipper-helm", "v0.9.3-build20241008", 60],
  ["klipper-lb", "v0.4.9", 5],
  ["mirrored-pause", "3.6", 1],
  ["mirrored-sig-storage-snapshot-validation-webhook", "v6.2.2", 19],
  ["nginx-ingress-controller", "v1.10.5-hardened3", 129],
  ["rke2-cloud-provider", "v1.31.2-0.20241016053446-0955fa330f90-build20241016", 23],
  ["system-agent-installer-rke2", "v1.31.4-rke2r1", 51],
  ["system-upgrade-controller", "v0.14.2", 18],
  ["shell", "v0.2.2", 86],
  ["rancher-agent", "v2.10.1", 212],
  ["fleet-agent", "v0.11.2", 71],
  ["mirrored-longhornio-longhorn-manager", "v1.7.2", 111],
  ["mirrored-longhornio-longhorn-instance-manager", "v1.7.2", 285],
  ["mirrored-longhornio-longhorn-engine", "v1.7.2", 112],
  ["mirrored-longhornio-csi-node-driver-registrar", "v2.12.0", 11],
  ["mirrored-longhornio-livenessprobe", "v2.14.0", 10],
  ["mirrored-prometheus-node-exporter", "v1.8.2", 12],
  ["mirrored-kube-state-metrics-kube-state-metrics", "v2.13.0", 19],
  ["mirrored-library-busybox", "1.36.1", 2],
  ["mirrored-ingress-nginx-kube-webhook-certgen", "v1.4.3", 25],
  // Add-on images of the releases before: RKE2 bundles new add-on versions with each release.
  ["hardened-calico", "v3.28.1-build20240806", 221],
  ["hardened-flannel", "v0.25.4-build20240610", 26],
  ["hardened-coredns", "v1.11.1-build20240910", 23],
  ["hardened-k8s-metrics-server", "v0.7.1-build20240910", 21],
  ["nginx-ingress-controller", "v1.10.4-hardened3", 128],
  ["klipper-helm", "v0.9.2-build20240828", 59],
];

/** Images of an RKE2 release: its runtime and Kubernetes images, per version it ran. */
function releaseImages(version: string): [string, string, number][] {
  const tag = version.replace("+", "-");
  return [
    ["rke2-runtime", tag, 95],
    ["hardened-kubernetes", `${tag}-build20241023`, 202],
    ["hardened-etcd", `v3.5.16-k3s1-build20241106-${tag}`, 63],
  ];
}

/** Versions a node has run: the current one and earlier patch releases still in containerd. */
function priorVersions(version: string): string[] {
  const match = /^v(\d+)\.(\d+)\.(\d+)(.*)$/.exec(version);
  if (!match) return [];
  const [, major, minor, patch, rest] = match;
  const older = Number(minor) - 1;
  return [1, 2, 3].map((back) =>
    Number(patch) - back >= 0
      ? `v${major}.${minor}.${Number(patch) - back}${rest}`
      : `v${major}.${older}.${12 - back}${rest}`,
  );
}

function digestOf(reference: string): string {
  return `sha256:${createHash("sha256").update(reference).digest("hex")}`;
}

function image(repository: string, tag: string, megabytes: number): ContainerImage {
  const name = `docker.io/rancher/${repository}`;
  // Sizes vary a little between builds; derive the remainder from the name so it is stable.
  const jitter = Number.parseInt(digestOf(`${name}:${tag}/size`).slice(7, 13), 16) % 1_000_000;
  const digest = digestOf(`${name}:${tag}`);
  return { names: [`${name}@${digest}`, `${name}:${tag}`], sizeBytes: megabytes * 1_000_000 + jitter };
}

const byVersion = new Map<string, ContainerImage[]>();

/** The kubelet reports at most this many images (nodeStatusMaxImages). */
const MAX_IMAGES = 50;

/** The image list of a node at `version`, largest first as the kubelet sorts it (shared per version). */
export function nodeImages(version: string): ContainerImage[] {
  const cached = byVersion.get(version);
  if (cached) return cached;
  const entries = [version, ...priorVersions(version)].flatMap(releaseImages);
  const images = [...entries, ...RKE2_IMAGES]
    .map(([repository, tag, mb]) => image(repository, tag, mb))
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, MAX_IMAGES);
  byVersion.set(version, images);
  return images;
}
