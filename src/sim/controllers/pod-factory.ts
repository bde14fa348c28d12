/**
 * Pods the sim's workload controllers create: named, labelled and owned like the real controllers'
 * pods, and scheduled at creation.
 */
import { randomBytes } from "node:crypto";
import type { KubeObject } from "../../runtime/kube/types.ts";
import type { Node, Pod, PodTemplate } from "../cluster/kinds.ts";
import { pickNode } from "./scheduling.ts";

const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** The 5-character suffix apiserver's generateName appends. */
export function randomSuffix(length = 5): string {
  return [...randomBytes(length)].map((byte) => ALPHABET[byte % ALPHABET.length]).join("");
}

export interface PodFromTemplate {
  owner: KubeObject;
  template: PodTemplate;
  name: string;
  extraLabels?: Record<string, string>;
}

/**
 * The pod, bound at creation to the node the scheduler predicate picks (the fake server has no
 * pods/binding; a real cluster's scheduler does this through binding instead). No feasible node:
 * the pod is created unbound and stays Pending, as it would.
 */
export function podFromTemplate(
  input: PodFromTemplate,
  nodes: readonly Node[],
  podsPerNode: ReadonlyMap<string, number>,
): Pod {
  const { owner, template } = input;
  const pod: Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: input.name,
      namespace: owner.metadata.namespace ?? "default",
      labels: { ...template.metadata?.labels, ...input.extraLabels },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [
        {
          apiVersion: owner.apiVersion,
          kind: owner.kind,
          name: owner.metadata.name,
          uid: owner.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
  };
  if (!pod.spec.nodeName) {
    const node = pickNode(pod, nodes, podsPerNode);
    if (node) pod.spec.nodeName = node.metadata.name;
  }
  return pod;
}
