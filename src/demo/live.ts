/**
 * The demo's live view on a terminal, as a pure function: the observation in, the lines of one
 * frame out (screen.ts redraws them in place). Nodes grouped by tier with version and state, a
 * progress bar per tier, the gate the upgrade is waiting on, the snapshot and the certificate
 * rotation.
 */
import type { CertRotation } from "../api/certrotation.ts";
import type { EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import type { UpgradePlan } from "../api/upgradeplan.ts";
import { groupByTier, nodeState, type NodeSummary } from "../cli/node-tiers.ts";
import { formatBytes } from "../cli/status-view.ts";
import { clip, describeCertificate, type DemoObservation } from "./view.ts";

export interface FrameContext {
  /** The latest thing the demo did itself (applied a manifest, ...). */
  note: string;
  elapsedMs: number;
  target: string;
  /** Terminal width: every line is cut to fit, so none wraps and the redraw stays in place. */
  width: number;
}

const BAR_WIDTH = 24;

export function progressBar(done: number, total: number, width = BAR_WIDTH): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

function conditionOf(plan: UpgradePlan, type: string): { reason: string; message: string } | undefined {
  return plan.status?.conditions?.find((c) => c.type === type && c.status !== "True");
}

/** What the upgrade waits on right now, in words. */
export function gateOf(plan: UpgradePlan | undefined): string {
  const status = plan?.status;
  if (!plan) return "the UpgradePlan is not applied yet";
  if (status?.observedGeneration === undefined) return "the operator to reconcile the plan";
  const phase = status.phase ?? "?";
  if (phase === "Succeeded") return "nothing: every node is at the target";
  // The snapshot is told by its reason, not by a phase: it is a phase of its own in some versions only.
  if (status.conditions?.some((c) => c.reason === "SnapshotInProgress" && c.status !== "True")) {
    return `the pre-upgrade etcd snapshot (policy ${plan.spec.snapshot?.policyRef ?? "?"})`;
  }
  const nodes = status.nodes ?? [];
  const healthy = nodes.filter((node) => node.phase === "WaitingHealthy").map((node) => node.name);
  if (healthy.length > 0) return `the health gate of ${healthy.join(", ")} (Ready, then settle)`;
  const draining = nodes.filter((node) => node.phase === "Draining").map((node) => node.name);
  if (draining.length > 0) return `the drain of ${draining.join(", ")}`;
  const upgrading = nodes.filter((node) => node.phase === "Upgrading").map((node) => node.name);
  if (upgrading.length > 0) return `the upgrade Job on ${upgrading.join(", ")}`;
  const why = conditionOf(plan, "Ready") ?? conditionOf(plan, "Progressing");
  return why ? `${phase}: ${why.reason}${why.message ? ` (${why.message})` : ""}` : phase;
}

/** The operator's word for a node: its phase in the plan or the rotation, or `upgraded`. */
function activity(node: NodeSummary, plan: UpgradePlan | undefined, rotation: CertRotation | undefined): string {
  const inPlan = plan?.status?.nodes?.find((entry) => entry.name === node.name);
  if (inPlan) return inPlan.phase;
  const inRotation = rotation?.status?.nodes?.find((entry) => entry.name === node.name);
  if (inRotation && inRotation.phase !== "Pending") return `cert ${inRotation.phase}`;
  return "";
}

function tierLines(observed: DemoObservation, target: string): string[] {
  const groups = groupByTier(observed.nodes);
  const nameWidth = Math.max(8, ...observed.nodes.map((node) => node.name.length));
  return groups.flatMap((group) => {
    const done = group.nodes.filter((node) => node.version === target && node.ready && !node.cordoned).length;
    const head = `  ${group.tier.padEnd(14)} ${progressBar(done, group.nodes.length)} ${done}/${group.nodes.length}`;
    const rows = group.nodes.map((node) => {
      const mark = node.version === target ? "✓" : " ";
      const cells = [node.name.padEnd(nameWidth), node.roles.padEnd(8), node.version.padEnd(15), nodeState(node)];
      const doing = activity(node, observed.plan, observed.rotation);
      return `   ${mark} ${cells.join("  ").padEnd(nameWidth + 48)}${doing}`.trimEnd();
    });
    return [head, ...rows];
  });
}

function planLines(plan: UpgradePlan | undefined, target: string): string[] {
  const status = plan?.status;
  const name = plan ? `UpgradePlan ${plan.metadata.name}` : "UpgradePlan";
  const phase = status?.phase ?? (plan ? "not reconciled yet" : "not applied yet");
  return [`${name} -> ${target}   ${phase}${status?.progress ? `   ${status.progress} upgraded` : ""}`];
}

function snapshotLines(policy: EtcdSnapshotPolicy | undefined, plan: UpgradePlan | undefined): string[] {
  const preUpgrade = plan?.status?.snapshot?.name;
  const preUpgradeLine = plan && preUpgrade ? [`  pre-upgrade snapshot of ${plan.metadata.name}: ${preUpgrade}`] : [];
  if (!policy) return ["EtcdSnapshotPolicy: not applied yet"];
  const status = policy.status;
  const last = status?.lastSuccessfulSnapshot;
  const taken = last
    ? `last verified ${last.name} on ${last.node}${last.size !== undefined ? `, ${formatBytes(last.size)}` : ""}`
    : "no verified snapshot yet";
  const storage = status?.storage ? `storage ${status.storage.phase}` : "storage not checked yet";
  return [`EtcdSnapshotPolicy ${policy.metadata.name}   ${storage}`, `  ${taken}`, ...preUpgradeLine];
}

function rotationLines(observed: DemoObservation): string[] {
  const { rotation } = observed;
  const watched = observed.certificate ? [`  ${describeCertificate(observed.certificate)}`] : [];
  if (!rotation) return ["CertRotation: not applied yet", ...watched];
  const status = rotation.status;
  const earliest = status?.earliestExpiry;
  const expiry = earliest
    ? `earliest expiry ${earliest.notAfter} (${earliest.node} ${earliest.file})`
    : "no inventory yet";
  const summary = status?.summary;
  const counts = summary ? `   expiring soon ${summary.expiringSoon}, rotating ${summary.rotating}` : "";
  return [
    `CertRotation ${rotation.metadata.name}   ${status?.phase ?? "not reconciled yet"}${counts}`,
    `  ${expiry}`,
    ...watched,
  ];
}

function jobLine(jobs: DemoObservation["jobs"]): string {
  const running = jobs.filter((job) => job.state === "Running").map((job) => job.name);
  const finished = jobs.length - running.length;
  return `node Jobs: ${finished} finished${running.length > 0 ? `, running: ${running.join(", ")}` : ""}`;
}

export function liveFrame(observed: DemoObservation, context: FrameContext): string[] {
  const lines = [
    `elapsed ${(context.elapsedMs / 1000).toFixed(1).padStart(5)}s   last step: ${context.note}`,
    "",
    ...planLines(observed.plan, context.target),
    `  waiting on: ${gateOf(observed.plan)}`,
    ...tierLines(observed, context.target),
    "",
    ...snapshotLines(observed.policy, observed.plan),
    ...rotationLines(observed),
    jobLine(observed.jobs),
  ];
  return lines.map((line) => clip(line, Math.max(20, context.width - 1)));
}
