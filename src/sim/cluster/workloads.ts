/**
 * Workloads on the agents, so drains have something to do: a Deployment behind a PDB, a
 * DaemonSet, a pod with an emptyDir volume and a bare pod (both pinned to an agent, as a user
 * would with nodeName; no controller recreates them).
 */
import type { KubeObject } from "../../runtime/kube/types.ts";
import type { ResourceType } from "../../runtime/kube/types.ts";
import { DAEMONSETS, DEPLOYMENTS, NAMESPACES, PDBS, PODS, type IntOrString } from "./kinds.ts";

export const WORKLOAD_NAMESPACE = "demo-apps";

export interface WorkloadOptions {
  /** Replicas of the `web` Deployment. Default 3. */
  replicas?: number;
  /** The PDB over `web`. Default minAvailable 2. */
  pdb?: { minAvailable?: IntOrString; maxUnavailable?: IntOrString };
}

const PAUSE = "registry.k8s.io/pause:3.10";

export function buildWorkloads(agents: readonly string[], options: WorkloadOptions = {}): [ResourceType, KubeObject][] {
  const replicas = options.replicas ?? 3;
  const objects: [ResourceType, KubeObject][] = [
    [NAMESPACES, { apiVersion: "v1", kind: "Namespace", metadata: { name: WORKLOAD_NAMESPACE } }],
    [
      DEPLOYMENTS,
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: WORKLOAD_NAMESPACE },
        spec: {
          replicas,
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: PAUSE }] } },
        },
      } as KubeObject,
    ],
    [
      PDBS,
      {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "web", namespace: WORKLOAD_NAMESPACE },
        spec: { ...(options.pdb ?? { minAvailable: 2 }), selector: { matchLabels: { app: "web" } } },
      } as KubeObject,
    ],
    [
      DAEMONSETS,
      {
        apiVersion: "apps/v1",
        kind: "DaemonSet",
        metadata: { name: "node-exporter", namespace: WORKLOAD_NAMESPACE },
        spec: {
          selector: { matchLabels: { app: "node-exporter" } },
          template: {
            metadata: { labels: { app: "node-exporter" } },
            spec: { containers: [{ name: "exporter", image: PAUSE }] },
          },
        },
      } as KubeObject,
    ],
  ];
  const [first, second] = [agents[0], agents[1] ?? agents[0]];
  if (first) {
    objects.push([
      PODS,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "scratch", namespace: WORKLOAD_NAMESPACE, labels: { app: "scratch" } },
        spec: {
          nodeName: first,
          containers: [{ name: "scratch", image: PAUSE }],
          volumes: [{ name: "tmp", emptyDir: {} }],
        },
      } as KubeObject,
    ]);
  }
  if (second) {
    objects.push([
      PODS,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "bare", namespace: WORKLOAD_NAMESPACE, labels: { app: "bare" } },
        spec: { nodeName: second, containers: [{ name: "bare", image: PAUSE }] },
      } as KubeObject,
    ]);
  }
  return objects;
}
