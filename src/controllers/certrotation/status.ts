/**
 * The CertRotation's status, pure: phase, the four conditions, the earliest expiry, the counts and
 * the short list of nodes that are rotating, failed or inside renewBefore (at most 100). The full
 * per-file inventory lives in the metrics, so the status is the same size at 7 nodes and 5,000.
 */
import { setCondition, toKubeTime, type ConditionStatus } from "../../api/condition.ts";
import {
  CertRotationConditions as C,
  CertRotationReasons as R,
  MAX_STATUS_NODES,
  type CertNodePhase,
  type CertRotationPhase,
  type CertRotationStatus,
} from "../../api/certrotation.ts";
import type { RolloutSummary, StatusNode } from "../../rollout/types.ts";
import { TIER_ORDER } from "../../rke2/roles.ts";
import { needsRotation, type ClusterAssessment, type NodeAssessment } from "./assess.ts";
import type { RoundPlan } from "./decide.ts";
import { triggerTarget } from "./target.ts";

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
  /** Nodes refused because their RKE2 data dir is not the one the inventory reads. */
  dataDirProblem?: string | undefined;
}

interface ConditionValue {
  status: ConditionStatus;
  reason: string;
  message: string;
}

const MAX_MESSAGE = 1024;
const clip = (text: string): string => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text);
const iso = (ms: number): string => toKubeTime(ms);
type StatusEntry = NonNullable<CertRotationStatus["nodes"]>[number];

const ENGINE_PHASES: Record<StatusNode["phase"], CertNodePhase> = {
  Waiting: "Waiting",
  Draining: "Draining",
  Running: "Rotating",
  WaitingHealthy: "WaitingHealthy",
  Failed: "Failed",
};
const RANK: Record<CertNodePhase, number> = {
  Failed: 0,
  Rotating: 1,
  WaitingHealthy: 1,
  Draining: 1,
  Waiting: 1,
  Pending: 2,
};

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

function entryFor(
  assessment: NodeAssessment | undefined,
  name: string,
  role: StatusEntry["role"],
  phase: CertNodePhase,
  extra: Partial<StatusEntry>,
): StatusEntry {
  return {
    name,
    role,
    phase,
    ...(assessment?.earliest ? { earliestNotAfter: iso(assessment.earliest.notAfterMs) } : {}),
    ...extra,
  };
}

/** Failed first, then nodes in progress, then those due soonest (in rollout order); at most MAX_STATUS_NODES. */
export function statusNodes(input: StatusInput): StatusEntry[] {
  const assessed = new Map((input.assessment?.nodes ?? []).map((node) => [node.name, node]));
  const entries = new Map<string, StatusEntry>();
  for (const busy of input.rollout?.nodes ?? []) {
    entries.set(
      busy.name,
      entryFor(
        assessed.get(busy.name),
        busy.name,
        busy.tier,
        ENGINE_PHASES[busy.phase],
        busy.message !== undefined ? { message: clip(busy.message) } : {},
      ),
    );
  }
  for (const [name, check] of input.plan?.checked ?? []) {
    if (entries.has(name) || check.verification.state === "confirmed") continue;
    const tier = assessed.get(name)?.tier ?? "worker";
    entries.set(
      name,
      entryFor(assessed.get(name), name, tier, "WaitingHealthy", {
        lastRotationTime: iso(check.record.completedAtMs),
        message: clip(check.verification.message),
      }),
    );
  }
  for (const name of input.justRotated ?? []) {
    if (entries.has(name)) continue;
    entries.set(
      name,
      entryFor(assessed.get(name), name, assessed.get(name)?.tier ?? "worker", "WaitingHealthy", {
        message: "rotated; waiting for the certificate inventory to confirm renewed certificates",
      }),
    );
  }
  for (const node of assessed.values()) {
    if (entries.has(node.name) || !needsRotation(node)) continue;
    const first = node.expiringLeaves[0];
    entries.set(
      node.name,
      entryFor(
        node,
        node.name,
        node.tier,
        "Pending",
        first ? { message: clip(`${first.file} expires ${iso(first.notAfterMs)}`) } : {},
      ),
    );
  }
  const time = (entry: StatusEntry): number => Date.parse(entry.earliestNotAfter ?? "") || Number.MAX_SAFE_INTEGER;
  const tier = (entry: StatusEntry): number => TIER_ORDER.indexOf(entry.role);
  return [...entries.values()]
    .sort(
      (a, b) => RANK[a.phase] - RANK[b.phase] || time(a) - time(b) || tier(a) - tier(b) || a.name.localeCompare(b.name),
    )
    .slice(0, MAX_STATUS_NODES);
}

function hasWork(input: StatusInput, counts: Counts): boolean {
  return counts.expiringSoon > 0 || input.plan?.triggerPending === true;
}

export function phaseOf(input: StatusInput, counts: Counts): CertRotationPhase {
  if (input.invalid !== undefined || counts.failed > 0) return "Degraded";
  if (counts.rotating > 0) return "Rotating";
  const block = input.plan?.startBlock;
  if (block === "paused" || block === "rancher") return "Paused";
  if (hasWork(input, counts)) return block === "window" ? "WaitingForWindow" : "Rotating";
  return "Idle";
}

function reported(input: StatusInput): NodeAssessment[] {
  return (input.assessment?.nodes ?? []).filter(
    (node) => node.inventory !== "missing" && node.inventory !== "unreadable",
  );
}

function readyCondition(input: StatusInput, phase: CertRotationPhase, counts: Counts): ConditionValue {
  if (input.invalid !== undefined) return { status: "False", reason: R.InvalidSpec, message: input.invalid };
  if (counts.failed > 0) {
    const failed = (input.rollout?.nodes ?? [])
      .filter((node) => node.phase === "Failed")
      .map((node) => `${node.name}: ${node.message ?? "failed"}`);
    return {
      status: "False",
      reason: R.RotationFailed,
      message: `rotation halted (change spec.trigger to retry): ${failed.join("; ")}`,
    };
  }
  const progress = `${counts.expiringSoon} of ${counts.nodes} node(s) inside renewBefore, ${counts.rotating} rotating`;
  if (input.plan?.startBlock === "rancher") {
    return { status: "False", reason: R.ManagedByRancher, message: `${input.plan.rancherRefusal ?? ""}; ${progress}` };
  }
  if (phase === "Rotating")
    return {
      status: "False",
      reason: R.Rotating,
      message: input.plan?.triggerPending
        ? `rotating every selected node for trigger ${input.trigger ?? ""}; ${progress}`
        : progress,
    };
  if (phase === "Paused" && hasWork(input, counts))
    return { status: "False", reason: R.Paused, message: `spec.paused: ${progress}` };
  if (phase === "WaitingForWindow")
    return { status: "False", reason: R.WaitingForWindow, message: `outside the maintenance window: ${progress}` };
  if (input.dataDirProblem !== undefined) {
    return { status: "False", reason: R.DataDirMismatch, message: input.dataDirProblem };
  }
  if (counts.nodes > 0 && reported(input).length === 0)
    return {
      status: "False",
      reason: R.InventoryUnavailable,
      message: `no certificate inventory report from any of the ${counts.nodes} selected node(s)`,
    };
  const earliest = input.assessment?.earliest;
  const unreported = counts.nodes - reported(input).length;
  const first = earliest ? `; earliest expiry ${iso(earliest.notAfterMs)} (${earliest.node} ${earliest.file})` : "";
  return {
    status: "True",
    reason: R.AllCertificatesValid,
    message: `${counts.nodes} node(s), none inside renewBefore${first}${unreported > 0 ? `; ${unreported} without an inventory report` : ""}`,
  };
}

function progressingCondition(input: StatusInput, phase: CertRotationPhase, ready: ConditionValue): ConditionValue {
  if (phase !== "Rotating") return { status: "False", reason: ready.reason, message: ready.message };
  const waiting = input.rollout?.waiting;
  if (waiting) return { status: "True", reason: waiting.reason, message: waiting.message };
  if (input.plan?.startBlock === "verifying")
    return {
      status: "True",
      reason: R.Rotating,
      message: `waiting for the certificate inventory to confirm the last rotation; ${ready.message}`,
    };
  return { status: "True", reason: R.Rotating, message: ready.message };
}

function describe(list: readonly { node: string; file: string; notAfterMs: number }[]): string {
  const first = [...list].sort((a, b) => a.notAfterMs - b.notAfterMs)[0];
  return first ? `; first: ${first.node} ${first.file} at ${iso(first.notAfterMs)}` : "";
}

function expiringCondition(input: StatusInput, counts: Counts): ConditionValue {
  const { assessment, thresholds } = input;
  if (!assessment || !thresholds)
    return { status: "Unknown", reason: R.InvalidSpec, message: input.invalid ?? "spec is invalid" };
  if (counts.nodes > 0 && reported(input).length === 0)
    return {
      status: "Unknown",
      reason: R.InventoryUnavailable,
      message: "no certificate inventory report from any selected node",
    };
  const flat = (pick: (node: NodeAssessment) => NodeAssessment["warning"]) =>
    assessment.nodes.flatMap((node) =>
      pick(node).map((cert) => ({ node: node.name, file: cert.file, notAfterMs: cert.notAfterMs })),
    );
  if (assessment.criticalCount > 0)
    return {
      status: "True",
      reason: R.ExpiringCritical,
      message: `${assessment.criticalCount} certificate(s) expire within criticalBefore (${thresholds.criticalBefore})${describe(flat((n) => n.critical))}`,
    };
  if (assessment.warningCount > 0)
    return {
      status: "True",
      reason: R.ExpiringWarning,
      message: `${assessment.warningCount} certificate(s) expire within warnBefore (${thresholds.warnBefore})${describe(flat((n) => n.warning))}`,
    };
  return {
    status: "False",
    reason: R.NotExpiring,
    message: `no certificate expires within warnBefore (${thresholds.warnBefore})`,
  };
}

/** The inventory check cycle: advanced once per checkInterval, so status does not churn. */
export function checkTimes(
  previous: CertRotationStatus,
  nowMs: number,
  intervalMs: number,
): { last: number; next: number } {
  const last = Date.parse(previous.lastCheckTime ?? "");
  if (Number.isFinite(last) && nowMs < last + intervalMs && last <= nowMs) return { last, next: last + intervalMs };
  return { last: nowMs, next: nowMs + intervalMs };
}

export function nextStatus(input: StatusInput): CertRotationStatus {
  const { previous, nowMs, generation } = input;
  const counts = countsOf(input);
  const phase = phaseOf(input, counts);
  let conditions = previous.conditions ?? [];
  const put = (type: string, value: ConditionValue): void => {
    conditions = setCondition(
      conditions,
      { type, ...value, message: clip(value.message), observedGeneration: generation },
      nowMs,
    );
  };
  const ready = readyCondition(input, phase, counts);
  put(C.Ready, ready);
  put(C.Progressing, progressingCondition(input, phase, ready));
  put(
    C.Degraded,
    ready.reason === R.InvalidSpec || ready.reason === R.RotationFailed
      ? { status: "True", reason: ready.reason, message: ready.message }
      : { status: "False", reason: "AsExpected", message: "no failures" },
  );
  put(C.ExpiringSoon, expiringCondition(input, counts));

  const plan = input.plan;
  const unconfirmed =
    [...(plan?.checked.values() ?? [])].some((check) => check.verification.state !== "confirmed") ||
    (input.justRotated?.length ?? 0) > 0;
  const triggerDone =
    plan?.triggerPending === true &&
    input.rollout?.complete === true &&
    !unconfirmed &&
    plan.reopen.length === 0 &&
    input.trigger !== undefined &&
    plan.target === triggerTarget(input.trigger);
  const lastTrigger = triggerDone ? input.trigger : previous.lastTrigger;
  const checks = input.checkIntervalMs !== undefined ? checkTimes(previous, nowMs, input.checkIntervalMs) : undefined;
  const earliest = input.assessment?.earliest;
  const nodes = input.invalid === undefined ? statusNodes(input) : (previous.nodes ?? []);
  return {
    observedGeneration: generation,
    ...(checks ? { lastCheckTime: iso(checks.last), nextCheckTime: iso(checks.next) } : {}),
    ...(earliest
      ? { earliestExpiry: { node: earliest.node, file: earliest.file, notAfter: iso(earliest.notAfterMs) } }
      : {}),
    ...(input.invalid === undefined ? { summary: counts } : previous.summary ? { summary: previous.summary } : {}),
    ...(nodes.length > 0 ? { nodes } : {}),
    ...(lastTrigger !== undefined ? { lastTrigger } : {}),
    phase,
    conditions,
  };
}
