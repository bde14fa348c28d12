/** The CertRotation's Ready, Progressing and ExpiringSoon conditions, pure (status.ts writes them). */
import { toKubeTime, type ConditionStatus } from "../../api/condition.ts";
import { CertRotationReasons as R, type CertRotationPhase } from "../../api/certrotation.ts";
import type { NodeAssessment } from "./assess.ts";
import { hasWork, reported, rolloutWait, type Counts, type StatusInput } from "./phase.ts";

export interface ConditionValue {
  status: ConditionStatus;
  reason: string;
  message: string;
}

const iso = (ms: number): string => toKubeTime(ms);

export function readyCondition(input: StatusInput, phase: CertRotationPhase, counts: Counts): ConditionValue {
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
  const wait = rolloutWait(input);
  if (phase === "Waiting" && wait && input.plan?.startBlock !== "window")
    return { status: "False", reason: wait.reason, message: progress };
  if (phase === "Waiting" && hasWork(input, counts)) {
    const opens = input.nextWindowStartMs === undefined ? "" : `; it opens at ${iso(input.nextWindowStartMs)}`;
    return {
      status: "False",
      reason: R.WaitingForWindow,
      message: `outside the maintenance window${opens}: ${progress}`,
    };
  }
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
    message:
      `${counts.nodes} node(s), none inside renewBefore${first}` +
      (unreported > 0 ? `; ${unreported} without an inventory report` : ""),
  };
}

/** Progressing: what is being done now; Ready says how far, so the two never repeat each other. */
export function progressingCondition(
  input: StatusInput,
  phase: CertRotationPhase,
  ready: ConditionValue,
): ConditionValue {
  const waiting = rolloutWait(input);
  if (phase !== "Rotating")
    return { status: "False", reason: ready.reason, message: waiting?.message ?? "no node is being rotated" };
  if (waiting) return { status: "True", reason: waiting.reason, message: waiting.message };
  if (input.plan?.startBlock === "verifying")
    return {
      status: "True",
      reason: R.Rotating,
      message: "waiting for the certificate inventory to confirm the last rotation",
    };
  const busy = (input.rollout?.nodes ?? []).filter((node) => node.phase !== "Failed").map((node) => node.name);
  return {
    status: "True",
    reason: R.Rotating,
    message: busy.length > 0 ? `rotating ${busy.join(", ")}` : "starting the next node",
  };
}

function describe(list: readonly { node: string; file: string; notAfterMs: number }[]): string {
  const first = [...list].sort((a, b) => a.notAfterMs - b.notAfterMs)[0];
  return first ? `; first: ${first.node} ${first.file} at ${iso(first.notAfterMs)}` : "";
}

export function expiringCondition(input: StatusInput, counts: Counts): ConditionValue {
  const { assessment, thresholds } = input;
  if (!assessment || !thresholds)
    return { status: "Unknown", reason: R.InvalidSpec, message: "unknown while the spec is invalid (see Ready)" };
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
      message:
        `${assessment.criticalCount} certificate(s) expire within criticalBefore (${thresholds.criticalBefore})` +
        describe(flat((n) => n.critical)),
    };
  if (assessment.warningCount > 0)
    return {
      status: "True",
      reason: R.ExpiringWarning,
      message:
        `${assessment.warningCount} certificate(s) expire within warnBefore (${thresholds.warnBefore})` +
        describe(flat((n) => n.warning)),
    };
  return {
    status: "False",
    reason: R.NotExpiring,
    message: `no certificate expires within warnBefore (${thresholds.warnBefore})`,
  };
}
