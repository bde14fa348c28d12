/**
 * The CertRotation's status, pure: phase, the four conditions, the earliest expiry, the counts and
 * the short list of nodes that are rotating, failed or inside renewBefore (at most 100). The full
 * per-file inventory lives in the metrics, so the status is the same size at 7 nodes and 5,000.
 * The conditions are worded in conditions.ts.
 */
import { setCondition, toKubeTime } from "../../api/condition.ts";
import {
  CertRotationConditions as C,
  CertRotationReasons as R,
  MAX_STATUS_NODES,
  type CertNodePhase,
  type CertRotationStatus,
} from "../../api/certrotation.ts";
import type { StatusNode } from "../../rollout/types.ts";
import { TIER_ORDER } from "../../rke2/roles.ts";
import { needsRotation, type NodeAssessment } from "./assess.ts";
import { expiringCondition, progressingCondition, readyCondition, type ConditionValue } from "./conditions.ts";
import { countsOf, phaseOf, rolloutWait, type StatusInput } from "./phase.ts";
import { triggerTarget } from "./target.ts";

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
  const failed = (input.rollout?.nodes ?? []).filter((node) => node.phase === "Failed").map((node) => node.name);
  put(
    C.Degraded,
    ready.reason === R.RotationFailed
      ? { status: "True", reason: ready.reason, message: `failed node(s): ${failed.join(", ") || "unknown"}` }
      : ready.reason === R.InvalidSpec
        ? { status: "True", reason: ready.reason, message: "refused until the spec changes (see Ready)" }
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
    // Waiting on the engine (lock, etcd health): its message says why; else Ready's.
    message:
      phase === "Waiting" && rolloutWait(input) && ready.reason !== R.WaitingForWindow
        ? clip(rolloutWait(input)?.message ?? "")
        : ready.message,
    ...(ready.reason === R.WaitingForWindow && input.nextWindowStartMs !== undefined
      ? { nextWindowStart: iso(input.nextWindowStartMs) }
      : {}),
    conditions,
  };
}
