/**
 * The eviction subresource (POST pods/<name>/eviction) and the PodDisruptionBudget arithmetic
 * behind it. The real server reads the PDB's status (kept by the disruption controller); here
 * the same numbers are computed from the pods at the moment of the eviction, which is what an
 * always-up-to-date disruption controller would have written (see docs/sim-apiserver.md).
 */
import { internalError, tooManyRequests } from "./errors.ts";
import { getPath, isObject, metaOf, stringField, stringMap, type JsonObject } from "./json.ts";
import { matchesLabelSelectorObject } from "./selectors.ts";

export interface Budget {
  pdbName: string;
  expectedPods: number;
  currentHealthy: number;
  desiredHealthy: number;
  disruptionsAllowed: number;
}

export type EvictionDecision =
  { outcome: "evict" } | { outcome: "refuse"; budget: Budget } | { outcome: "multipleBudgets"; pdbNames: string[] };

export function podIsHealthy(pod: JsonObject): boolean {
  if (metaOf(pod).deletionTimestamp) return false;
  const conditions = getPath(pod, "status.conditions");
  return Array.isArray(conditions) && conditions.some((c) => isObject(c) && c.type === "Ready" && c.status === "True");
}

function phaseOf(pod: JsonObject): string {
  const phase = getPath(pod, "status.phase");
  return typeof phase === "string" ? phase : "";
}

/** Integer or percentage (rounded up, as GetScaledValueFromIntOrPercent with roundUp). */
function scaled(value: unknown, total: number): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && /^\d+%$/.test(value)) return Math.ceil((total * Number(value.slice(0, -1))) / 100);
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

export function pdbSelects(pdb: JsonObject, pod: JsonObject): boolean {
  const selector = getPath(pdb, "spec.selector");
  return (
    selector !== undefined && selector !== null && matchesLabelSelectorObject(selector, stringMap(metaOf(pod).labels))
  );
}

/** What the disruption controller would put in the PDB's status, from the pods it selects. */
export function computeBudget(pdb: JsonObject, podsInNamespace: JsonObject[]): Budget {
  const selected = podsInNamespace.filter(
    (p) => pdbSelects(pdb, p) && phaseOf(p) !== "Succeeded" && phaseOf(p) !== "Failed",
  );
  const expectedPods = selected.length;
  const currentHealthy = selected.filter(podIsHealthy).length;
  const spec = isObject(pdb.spec) ? pdb.spec : {};
  let desiredHealthy = 0;
  const maxUnavailable = scaled(spec.maxUnavailable, expectedPods);
  const minAvailable = scaled(spec.minAvailable, expectedPods);
  if (maxUnavailable !== undefined) desiredHealthy = Math.max(0, expectedPods - maxUnavailable);
  else if (minAvailable !== undefined) desiredHealthy = minAvailable;
  return {
    pdbName: stringField(metaOf(pdb), "name") ?? "",
    expectedPods,
    currentHealthy,
    desiredHealthy,
    disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
  };
}

/** The eviction registry's decision for `pod`, given the PDBs and pods of its namespace. */
export function decideEviction(pod: JsonObject, pdbs: JsonObject[], podsInNamespace: JsonObject[]): EvictionDecision {
  const phase = phaseOf(pod);
  if (phase === "Succeeded" || phase === "Failed" || phase === "Pending" || metaOf(pod).deletionTimestamp)
    return { outcome: "evict" };
  const matching = pdbs.filter((pdb) => pdbSelects(pdb, pod));
  if (matching.length > 1)
    return { outcome: "multipleBudgets", pdbNames: matching.map((p) => stringField(metaOf(p), "name") ?? "") };
  const pdb = matching[0];
  if (!pdb) return { outcome: "evict" };
  const budget = computeBudget(pdb, podsInNamespace);
  if (!podIsHealthy(pod)) {
    const policy = getPath(pdb, "spec.unhealthyPodEvictionPolicy");
    if (policy === "AlwaysAllow" || budget.currentHealthy >= budget.desiredHealthy) return { outcome: "evict" };
    return { outcome: "refuse", budget };
  }
  return budget.disruptionsAllowed > 0 ? { outcome: "evict" } : { outcome: "refuse", budget };
}

/** Throws the error the real server answers for a refused decision; returns for `evict`. */
export function enforceDecision(decision: EvictionDecision): void {
  if (decision.outcome === "multipleBudgets") {
    throw internalError(
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    );
  }
  if (decision.outcome === "refuse") {
    const { budget } = decision;
    throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [
        {
          reason: "DisruptionBudget",
          message:
            `The disruption budget ${budget.pdbName} needs ${budget.desiredHealthy} healthy pods ` +
            `and has ${budget.currentHealthy} currently`,
        },
      ],
    });
  }
}
