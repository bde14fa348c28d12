/**
 * What kube-scheduler's filter plugins would decide for our pods: NodeUnschedulable, NodeName,
 * NodeAffinity (nodeSelector and required terms), TaintToleration, plus the not-ready taint the
 * node lifecycle controller would put on a NotReady node. No resources, no ports, no inter-pod
 * affinity: the sim's pods request nothing the nodes could run out of.
 */
import type { Node, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from "../cluster/kinds.ts";
import { isNodeReady } from "../cluster/kinds.ts";
import { matchesRequirement } from "./selectors.ts";

export const UNSCHEDULABLE_TAINT: Taint = { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" };
export const NOT_READY_TAINT: Taint = { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" };

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === "Exists")
    return toleration.key === undefined || toleration.key === "" || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? "") === (taint.value ?? "");
}

export function toleratesTaint(tolerations: readonly Toleration[] | undefined, taint: Taint): boolean {
  return (tolerations ?? []).some((t) => tolerates(t, taint));
}

function matchesTerm(node: Node, term: NodeSelectorTerm): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  // An empty term matches no objects (k8s.io/component-helpers nodeaffinity).
  if (expressions.length === 0 && fields.length === 0) return false;
  const fieldLabels = { "metadata.name": node.metadata.name };
  return (
    expressions.every((req) => matchesRequirement(node.metadata.labels, req)) &&
    fields.every((req) => matchesRequirement(fieldLabels, req))
  );
}

export type FitVerdict = { fits: true } | { fits: false; reason: string };

/** Whether `spec` may run on `node`, with the reason the scheduler would give when it may not. */
export function podFitsNode(spec: PodSpec, node: Node): FitVerdict {
  if (spec.nodeName && spec.nodeName !== node.metadata.name)
    return { fits: false, reason: "node(s) didn't match the requested node name" };
  if (node.spec.unschedulable && !toleratesTaint(spec.tolerations, UNSCHEDULABLE_TAINT))
    return { fits: false, reason: "node(s) were unschedulable" };
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    if (node.metadata.labels?.[key] !== value)
      return { fits: false, reason: "node(s) didn't match Pod's node affinity/selector" };
  }
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((term) => matchesTerm(node, term)))
    return { fits: false, reason: "node(s) didn't match Pod's node affinity/selector" };
  const taints = [...(node.spec.taints ?? []), ...(isNodeReady(node) ? [] : [NOT_READY_TAINT])];
  const untolerated = taints.find(
    (taint) => taint.effect !== "PreferNoSchedule" && !toleratesTaint(spec.tolerations, taint),
  );
  if (untolerated)
    return { fits: false, reason: `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ""}}` };
  return { fits: true };
}

/**
 * Picks the feasible node with the fewest pods (a crude stand-in for the scoring plugins that
 * spread pods), ties broken by name so the choice is deterministic.
 */
export function pickNode(
  pod: Pick<Pod, "spec">,
  nodes: readonly Node[],
  podsPerNode: ReadonlyMap<string, number>,
): Node | undefined {
  let best: Node | undefined;
  let bestCount = Infinity;
  for (const node of nodes) {
    if (!podFitsNode(pod.spec, node).fits) continue;
    const count = podsPerNode.get(node.metadata.name) ?? 0;
    if (count < bestCount || (count === bestCount && best && node.metadata.name < best.metadata.name)) {
      best = node;
      bestCount = count;
    }
  }
  return best;
}
