/**
 * The disruption controller's arithmetic (pkg/controller/disruption): how many of the pods a
 * PodDisruptionBudget selects must stay healthy, and how many may be disrupted now.
 */
import type { Condition, IntOrString, Pod, PodDisruptionBudget, PdbStatus } from "../cluster/kinds.ts";
import { isPodReady } from "../cluster/kinds.ts";

/**
 * intstr.GetScaledValueFromIntOrPercent: a percentage of `total`, rounded up or down; an int as is.
 * Returns an error string for a malformed percentage, as the real helper does.
 */
export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number | string {
  if (typeof value === "number") return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match)
    return `invalid value for IntOrString: invalid value "${value}": must be an integer or percentage (e.g '5%')`;
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The workload scale behind the selected pods; a string when it cannot be found (bare pods, DaemonSets). */
export type ExpectedScale = number | string;

export interface PdbInputs {
  pdb: PodDisruptionBudget;
  /** Pods in the PDB's namespace matched by its selector. */
  pods: readonly Pod[];
  /**
   * Sum of the scales of the controllers of `pods`, each controller once; needed for percentages
   * and maxUnavailable.
   */
  expectedScale: () => ExpectedScale;
}

function healthyCount(pods: readonly Pod[]): number {
  // Pods being deleted no longer count, even when still Ready (countHealthyPods).
  return pods.filter((pod) => !pod.metadata.deletionTimestamp && isPodReady(pod)).length;
}

function withCondition(
  status: Omit<PdbStatus, "conditions">,
  previous: readonly Condition[] | undefined,
  now: string,
  failure?: string,
): PdbStatus {
  const allowed = status.disruptionsAllowed > 0;
  const reason = failure ? "SyncFailed" : allowed ? "SufficientPods" : "InsufficientPods";
  const conditionStatus = allowed ? "True" : "False";
  const prior = previous?.find((c) => c.type === "DisruptionAllowed");
  const condition: Condition = {
    type: "DisruptionAllowed",
    status: conditionStatus,
    reason,
    message: failure ?? "",
    lastTransitionTime: prior?.status === conditionStatus ? (prior.lastTransitionTime ?? now) : now,
  };
  return { ...status, conditions: [condition] };
}

/** The status the disruption controller writes for `pdb`, given the pods it selects. */
export function computePdbStatus(inputs: PdbInputs, now: string): PdbStatus {
  const { pdb, pods } = inputs;
  const currentHealthy = healthyCount(pods);
  const base = {
    observedGeneration: pdb.metadata.generation ?? 1,
    currentHealthy,
    disruptedPods: pdb.status?.disruptedPods ?? {},
  };
  const fail = (message: string): PdbStatus =>
    withCondition(
      { ...base, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 },
      pdb.status?.conditions,
      now,
      message,
    );

  let expectedPods: number;
  let desiredHealthy: number;
  const { minAvailable, maxUnavailable } = pdb.spec;
  if (maxUnavailable !== undefined) {
    const scale = inputs.expectedScale();
    if (typeof scale === "string") return fail(scale);
    const unavailable = scaledValue(maxUnavailable, scale, true);
    if (typeof unavailable === "string") return fail(unavailable);
    expectedPods = scale;
    desiredHealthy = Math.max(0, scale - unavailable);
  } else if (typeof minAvailable === "number") {
    // An integer minAvailable needs no controller: the pods present are what is expected.
    expectedPods = pods.length;
    desiredHealthy = minAvailable;
  } else if (typeof minAvailable === "string") {
    const scale = inputs.expectedScale();
    if (typeof scale === "string") return fail(scale);
    const available = scaledValue(minAvailable, scale, true);
    if (typeof available === "string") return fail(available);
    expectedPods = scale;
    desiredHealthy = available;
  } else {
    // Neither field set: getExpectedPodCount leaves both counts at 0, which keeps the budget closed.
    expectedPods = 0;
    desiredHealthy = 0;
  }
  // A PDB that expects no pods yet stays closed, so pods appearing before this controller catches up are safe.
  const margin = currentHealthy - desiredHealthy;
  const disruptionsAllowed = expectedPods <= 0 || margin <= 0 ? 0 : margin;
  return withCondition({ ...base, expectedPods, desiredHealthy, disruptionsAllowed }, pdb.status?.conditions, now);
}
