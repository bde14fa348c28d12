/**
 * The parts of Nodes and Pods the rollout engine reads, and small pure predicates over them.
 * Declared here (not taken from the sim) because the engine runs against real clusters.
 */
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

export function conditionOf(object: { status?: { conditions?: KubeCondition[] } }, type: string): KubeCondition | undefined {
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
