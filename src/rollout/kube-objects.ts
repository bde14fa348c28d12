/**
 * The parts of Nodes, Pods and Jobs the controllers read, and small pure predicates over them.
 * Declared here (not taken from the sim) because the engine runs against real clusters.
 */
import type { Job } from "../nodeops/job.ts";
import { dataDirFromNodeArgs, NODE_ARGS_ANNOTATION } from "../rke2/data-dir.ts";
import type { KubeObject } from "../runtime/kube/types.ts";

export { NODE_RESOURCE } from "../runtime/kube/core-resources.ts";

export interface KubeCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface NodeObject extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { conditions?: KubeCondition[]; nodeInfo?: { kubeletVersion?: string } };
}

export interface PodObject extends KubeObject {
  spec?: {
    nodeName?: string;
    volumes?: { name: string; emptyDir?: object }[];
    terminationGracePeriodSeconds?: number;
  };
  status?: {
    phase?: string;
    conditions?: KubeCondition[];
    containerStatuses?: { state?: { terminated?: { message?: string; exitCode?: number; reason?: string } } }[];
  };
}

/** The kubelet marks a mirror pod (the API view of a static pod) with this annotation. */
export const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";

export function conditionOf(
  object: { status?: { conditions?: KubeCondition[] } },
  type: string,
): KubeCondition | undefined {
  return object.status?.conditions?.find((condition) => condition.type === type);
}

/** Epoch ms of a condition's last transition; 0 when unknown (treated as "long ago"). */
export function transitionMs(condition: KubeCondition | undefined): number {
  const parsed = condition?.lastTransitionTime === undefined ? Number.NaN : Date.parse(condition.lastTransitionTime);
  return Number.isFinite(parsed) ? parsed : 0;
}

export function isNodeReady(node: NodeObject): boolean {
  return conditionOf(node, "Ready")?.status === "True";
}

export function isPodReady(pod: PodObject): boolean {
  return conditionOf(pod, "Ready")?.status === "True";
}

export function isMirrorPod(pod: PodObject): boolean {
  return pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;
}

export function kubeletVersionOf(node: NodeObject): string | undefined {
  return node.status?.nodeInfo?.kubeletVersion;
}

/** The controlling owner reference of an object, as kubectl drain finds it. */
export function controllerOf(object: KubeObject): { kind: string; name: string } | undefined {
  const ref = object.metadata.ownerReferences?.find((owner) => owner.controller === true);
  return ref && { kind: ref.kind, name: ref.name };
}

/** Annotations of ours (the claim). */
export const OWN_ANNOTATION_PREFIX = "rke2-lifecycle.io/";

/** The annotations a reader of cached Nodes reads: ours, and the data dir of `rke2.io/node-args` (rke2/data-dir.ts). */
function readAnnotations(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  const read = Object.entries(annotations).flatMap(([key, value]): [string, string][] => {
    if (key.startsWith(OWN_ANNOTATION_PREFIX)) return [[key, value]];
    const dataDirArgs = key === NODE_ARGS_ANNOTATION ? nodeArgsAsRead(value) : undefined;
    return dataDirArgs === undefined ? [] : [[key, dataDirArgs]];
  });
  return read.length === 0 ? undefined : Object.fromEntries(read);
}

/**
 * `rke2.io/node-args` cut to the one flag read from it, the data dir; undefined when it names
 * none. The whole list is about 200 bytes a node, every flag the node started with.
 */
function nodeArgsAsRead(annotation: string): string | undefined {
  const dataDir = dataDirFromNodeArgs(annotation);
  return dataDir === undefined ? undefined : JSON.stringify(["--data-dir", dataDir]);
}

type Metadata = KubeObject["metadata"];

/** Metadata without managedFields (nothing here reads them) and with `annotations` as given. */
function slimMetadata(metadata: Metadata, annotations: Record<string, string> | undefined): Metadata {
  const { managedFields: _managed, annotations: _all, ...rest } = metadata as Metadata & { managedFields?: unknown };
  return annotations === undefined ? rest : { ...rest, annotations };
}

/** A condition without its heartbeat time, which changes on every status post and is read by no one. */
function slimCondition({ type, status, reason, message, lastTransitionTime }: KubeCondition): KubeCondition {
  return {
    type,
    status,
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
    ...(lastTransitionTime !== undefined ? { lastTransitionTime } : {}),
  };
}

/**
 * The Ready condition's status and transition time: all any reader takes from a Node's conditions
 * (the pressure conditions, reasons and messages are about 800 bytes a node in the heap).
 */
function readyOnly(conditions: readonly KubeCondition[]): KubeCondition[] {
  const ready = conditions.find((condition) => condition.type === "Ready");
  if (!ready) return [];
  const { status, lastTransitionTime } = ready;
  return [{ type: "Ready", status, ...(lastTransitionTime !== undefined ? { lastTransitionTime } : {}) }];
}

/**
 * A Node as the operator caches it: what NodeObject declares and nothing else. A real RKE2 Node
 * is 15-40 KB (50 status.images, managedFields of five managers, rke2/flannel annotations); this
 * keeps well under 1 KB of it: labels, our annotations and the data dir of `rke2.io/node-args`,
 * cordon and taints, the Ready condition, the kubelet version.
 */
export function cachedNode(node: NodeObject): NodeObject {
  const { spec, status } = node;
  const kubeletVersion = status?.nodeInfo?.kubeletVersion;
  return {
    apiVersion: node.apiVersion,
    kind: node.kind,
    metadata: slimMetadata(node.metadata, readAnnotations(node.metadata.annotations)),
    spec: {
      ...(spec?.unschedulable !== undefined ? { unschedulable: spec.unschedulable } : {}),
      ...(spec?.taints ? { taints: spec.taints } : {}),
    },
    status: {
      ...(status?.conditions ? { conditions: readyOnly(status.conditions) } : {}),
      ...(kubeletVersion !== undefined ? { nodeInfo: { kubeletVersion } } : {}),
    },
  };
}

/**
 * A Pod as the operator caches it (mirror pods, snapshot Job pods): metadata without
 * managedFields, the node it runs on, phase, conditions and the container states; not the spec's
 * containers (a kube-apiserver static pod's command line alone is kilobytes).
 */
export function cachedPod(pod: PodObject): PodObject {
  const { spec, status } = pod;
  const states = status?.containerStatuses?.map(({ state }) => (state ? { state } : {}));
  return {
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata: slimMetadata(pod.metadata, pod.metadata.annotations),
    spec: spec?.nodeName !== undefined ? { nodeName: spec.nodeName } : {},
    status: {
      ...(status?.phase !== undefined ? { phase: status.phase } : {}),
      ...(status?.conditions ? { conditions: status.conditions.map(slimCondition) } : {}),
      ...(states ? { containerStatuses: states } : {}),
    },
  };
}

/**
 * A Job as the operator caches it: metadata without managedFields, the status, and of the spec
 * only each container's args (a snapshot save Job's `--name` is read back from them,
 * etcdsnapshotpolicy/recovered.ts). A node Job carries its script, env, volumes and security
 * context, several KB parsed; a 5,000-node rollout keeps 5,000 of them until their TTL.
 */
export function cachedJob(job: Job): Job {
  const containers = (job.spec.template.spec as { containers?: { args?: string[] }[] }).containers;
  return {
    apiVersion: job.apiVersion,
    kind: job.kind,
    metadata: slimMetadata(job.metadata, job.metadata.annotations),
    spec: {
      template: { spec: containers ? { containers: containers.map(({ args }) => (args ? { args } : {})) } : {} },
    },
    ...(job.status ? { status: job.status } : {}),
  };
}
