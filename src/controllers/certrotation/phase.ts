/**
 * The CertRotation's phase, pure, and the facts it is read from. Blocked: refused until the spec
 * (or the nodes' setup) changes. Waiting: for the window, the lock, etcd health or the first
 * inventory. Halted: a node failed; a new spec.trigger retries. status.message follows the phase
 * (status.ts nextStatus).
 */
import type { CertRotationPhase, CertRotationStatus } from "../../api/certrotation.ts";
import type { RolloutSummary } from "../../rollout/types.ts";
import { needsRotation, type ClusterAssessment, type NodeAssessment } from "./assess.ts";
import type { RoundPlan } from "./decide.ts";

export interface StatusInput {
  nowMs: number;
  generation: number;
  previous: CertRotationStatus;
  invalid?: string;
  checkIntervalMs?: number;
  thresholds?: { warnBefore: string; criticalBefore: string };
  trigger?: string | undefined;
  assessment?: ClusterAssessment;
  plan?: RoundPlan;
  /** Undefined when the engine did not need to run (nothing due, nothing in progress). */
  rollout?: RolloutSummary | undefined;
  /** Nodes the engine finished rotating this round: rotated, not yet confirmed by the inventory. */
  justRotated?: readonly string[];
  /** Epoch ms the window opens next, while it is closed. */
  nextWindowStartMs?: number | undefined;
  /** Nodes refused because their RKE2 data dir is not the one the inventory reads. */
  dataDirProblem?: string | undefined;
}

export interface Counts {
  nodes: number;
  expiringSoon: number;
  rotating: number;
  failed: number;
}

export function countsOf(input: StatusInput): Counts {
  const nodes = input.assessment?.nodes ?? [];
  const verifying =
    [...(input.plan?.checked.values() ?? [])].filter((check) => check.verification.state === "pending").length +
    (input.justRotated?.length ?? 0);
  return {
    nodes: nodes.length,
    expiringSoon: nodes.filter(needsRotation).length,
    rotating: (input.rollout?.counts.inProgress ?? 0) + verifying,
    failed: input.rollout?.counts.failed ?? 0,
  };
}

export function hasWork(input: StatusInput, counts: Counts): boolean {
  return counts.expiringSoon > 0 || input.plan?.triggerPending === true;
}

/** What the engine waits for before the next node (the lock, etcd health), when it waits. */
export function rolloutWait(input: StatusInput): { reason: string; message: string } | undefined {
  const waiting = input.rollout?.waiting;
  return waiting && waiting.reason !== "StartNotAllowed" ? waiting : undefined;
}

/** The phase, pure; status.message is the Ready condition's message (readyCondition), which follows it. */
export function phaseOf(input: StatusInput, counts: Counts): CertRotationPhase {
  if (input.invalid !== undefined) return "Blocked";
  if (counts.failed > 0) return "Halted";
  if (counts.rotating > 0) return "Rotating";
  const block = input.plan?.startBlock;
  if (block === "rancher") return "Blocked";
  if (block === "paused") return "Paused";
  if (hasWork(input, counts)) return block === "window" || rolloutWait(input) ? "Waiting" : "Rotating";
  if (input.dataDirProblem !== undefined) return "Blocked";
  if (counts.nodes > 0 && reported(input).length === 0) return "Waiting";
  return "Idle";
}

export function reported(input: StatusInput): NodeAssessment[] {
  return (input.assessment?.nodes ?? []).filter(
    (node) => node.inventory !== "missing" && node.inventory !== "unreadable",
  );
}
