/**
 * The node Job every node action runs as (docs/upgrades.md "The node Job"): pinned to
 * its node with `nodeName`, tolerating every taint, in the host's PID and network namespaces,
 * privileged, with the host's `/` at `/host`. `backoffLimit: 0` because the operator owns
 * retries. The name is deterministic, so creating a Job that already exists adopts it and a
 * restarted operator never runs the same disruption twice.
 */
import { createHash } from "node:crypto";
import type { JobTemplate } from "../api/common.ts";
import type { KubeObject, OwnerReference, ResourceType } from "../runtime/kube/types.ts";
import type { NodeAction } from "./results.ts";

export const JOB_RESOURCE: ResourceType = { apiVersion: "batch/v1", kind: "Job", plural: "jobs", namespaced: true };
export const POD_RESOURCE: ResourceType = { apiVersion: "v1", kind: "Pod", plural: "pods", namespaced: true };

export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "rke2-lifecycle-operator";
export const ACTION_LABEL = "rke2-lifecycle.io/action";
export const OWNER_KIND_LABEL = "rke2-lifecycle.io/owner-kind";
export const OWNER_LABEL = "rke2-lifecycle.io/owner";
export const NODE_LABEL = "rke2-lifecycle.io/node";
/** The hash of what the Job does (target version, trigger, ...), part of its name. */
export const HASH_LABEL = "rke2-lifecycle.io/hash";

export const HOST_ROOT = "/host";
const MAX_NAME = 63;
const HASH_LENGTH = 10;

export interface NodeJobSpec {
  action: NodeAction;
  /** The custom resource the Job works for; becomes its controller ownerReference. */
  owner: { apiVersion: string; kind: string; name: string; uid: string };
  node: string;
  namespace: string;
  image: string;
  command?: string[];
  args: string[];
  env?: JobEnvVar[];
  /** What makes this run distinct (e.g. the target version); equal inputs give the same name. */
  identity: string;
  template?: JobTemplate;
  /** Default deadline of the Job when the template sets none. */
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished?: number;
}

export type JobEnvVar =
  | { name: string; value: string }
  | { name: string; valueFrom: { secretKeyRef: { name: string; key: string; optional?: boolean } } };

export interface Job extends KubeObject {
  spec: {
    backoffLimit?: number;
    activeDeadlineSeconds?: number;
    ttlSecondsAfterFinished?: number;
    template: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> };
  };
  status?: JobStatus;
}

export interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export function shortHash(text: string, length = HASH_LENGTH): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * `<action>-<owner>-<node>-<hash>`, at most 63 characters: when the owner and node names are too
 * long they are shortened, and the hash (of all four parts) keeps the name unique.
 */
export function nodeJobName(action: NodeAction, owner: string, node: string, identity: string): string {
  const hash = shortHash(`${action}\n${owner}\n${node}\n${identity}`);
  const fixed = action.length + hash.length + 3;
  let ownerPart = owner;
  let nodePart = node;
  const room = MAX_NAME - fixed;
  if (ownerPart.length + nodePart.length > room) {
    const half = Math.floor(room / 2);
    ownerPart = ownerPart.slice(0, Math.max(half, room - nodePart.length));
    nodePart = nodePart.slice(0, room - ownerPart.length);
  }
  const trim = (part: string): string => part.replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "");
  return [action, trim(ownerPart), trim(nodePart), hash].filter((part) => part !== "").join("-");
}

export function nodeJobLabels(
  spec: Pick<NodeJobSpec, "action" | "owner" | "node" | "identity">,
): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [ACTION_LABEL]: spec.action,
    [OWNER_KIND_LABEL]: spec.owner.kind.toLowerCase(),
    [OWNER_LABEL]: spec.owner.name,
    [NODE_LABEL]: spec.node,
    [HASH_LABEL]: shortHash(spec.identity),
  };
}

export function ownerReferenceTo(owner: NodeJobSpec["owner"]): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function buildNodeJob(spec: NodeJobSpec): Job {
  const labels = nodeJobLabels(spec);
  const template = spec.template ?? {};
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: nodeJobName(spec.action, spec.owner.name, spec.node, spec.identity),
      namespace: spec.namespace,
      labels,
      ownerReferences: [ownerReferenceTo(spec.owner)],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: template.activeDeadlineSeconds ?? spec.activeDeadlineSeconds,
      ttlSecondsAfterFinished: spec.ttlSecondsAfterFinished ?? 3600,
      template: {
        metadata: { labels },
        spec: {
          nodeName: spec.node,
          restartPolicy: "Never",
          // Node actions work on the host, never through the API: no token to steal from a privileged pod.
          automountServiceAccountToken: false,
          hostPID: true,
          hostNetwork: true,
          dnsPolicy: "ClusterFirstWithHostNet",
          tolerations: [{ operator: "Exists" }, ...(template.tolerations ?? [])],
          ...(template.priorityClassName ? { priorityClassName: template.priorityClassName } : {}),
          ...(template.imagePullSecrets ? { imagePullSecrets: template.imagePullSecrets } : {}),
          containers: [
            {
              name: spec.action,
              image: template.image ?? spec.image,
              ...(spec.command ? { command: spec.command } : {}),
              args: spec.args,
              env: spec.env ?? [],
              securityContext: { privileged: true, runAsUser: 0 },
              terminationMessagePolicy: "File",
              volumeMounts: [{ name: "host-root", mountPath: HOST_ROOT }],
            },
          ],
          volumes: [{ name: "host-root", hostPath: { path: "/", type: "Directory" } }],
        },
      },
    },
  };
}

export type JobOutcome =
  | { state: "Running" }
  | { state: "Succeeded"; message: string | undefined }
  | { state: "Failed"; reason: string; message: string | undefined };

interface PodLike {
  status?: {
    containerStatuses?: { state?: { terminated?: { message?: string; exitCode?: number; reason?: string } } }[];
  };
}

/** Where a node Job stands, with the termination message of its pod when it has ended. */
export function jobOutcome(job: Job, pods: readonly PodLike[]): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  const terminated = pods
    .map((pod) => pod.status?.containerStatuses?.[0]?.state?.terminated)
    .find((t) => t !== undefined);
  const complete = conditions.find((c) => c.type === "Complete" && c.status === "True");
  if (complete) return { state: "Succeeded", message: terminated?.message };
  const failed = conditions.find((c) => c.type === "Failed" && c.status === "True");
  if (failed) {
    return {
      state: "Failed",
      reason: failed.reason ?? "Failed",
      message: terminated?.message ?? failed.message,
    };
  }
  return { state: "Running" };
}
