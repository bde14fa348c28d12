/**
 * `rke2-lifecycle status` as a pure function: the objects read from the cluster in, one screen of
 * text out. Nodes by tier with their versions, the earliest certificate expiry, the last verified
 * snapshot and storage health per policy, the operation running and the lock holder, and every
 * condition that needs a person's attention.
 */
import type { CertRotation } from "../api/certrotation.ts";
import type { Condition } from "../api/condition.ts";
import type { EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import type { UpgradePlan } from "../api/upgradeplan.ts";
import { humanDuration } from "../runtime/human-duration.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import { groupByTier, nodeState, versionCounts, type NodeSummary } from "./node-tiers.ts";

export interface StatusInput {
  server: string;
  nodes: readonly NodeSummary[];
  plans: readonly UpgradePlan[];
  rotations: readonly CertRotation[];
  policies: readonly EtcdSnapshotPolicy[];
  /** The disruption lock: its holder, undefined when free; `unreadable` when the read was refused. */
  lock: { name: string; holder: string | undefined } | "unreadable";
  now: number;
}

/** Nodes named per group on one line; beyond this only the count is shown. */
const MAX_NAMED = 8;

/** Conditions whose True means trouble; for the others, False does. */
/** AwaitingApproval: a person must approve the next tier; Blocked: a blocker (an alert, a query, pods) holds. */
const TROUBLE_WHEN_TRUE = new Set(["Degraded", "SnapshotOverdue", "ExpiringSoon", "AwaitingApproval", "Blocked"]);
/**
 * Ready=False or PreflightPassed=False for these reasons is an operation on its way or a wait that
 * ends by itself (the OPERATION section shows it; a NotReady node is listed on its own).
 */
const ON_ITS_WAY = new Set([
  "Upgrading",
  "Rotating",
  "SnapshotInProgress",
  "NoSnapshotYet",
  "NoTarget",
  "WaitingForWindow",
  "Paused",
  "DisruptionLockHeld",
  "NodesNotReady",
  "TierSoak",
]);
/** Informational conditions: never a problem by themselves. */
const INFORMATIONAL = new Set(["Progressing", "Paused", "SnapshotTaken"]);

function when(iso: string | undefined, now: number): string {
  if (iso === undefined) return "?";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return at >= now ? `${iso} (in ${humanDuration(at - now)})` : `${iso} (${humanDuration(now - at)} ago)`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit] ?? ""}`;
}

function names(nodes: readonly NodeSummary[]): string {
  const shown = nodes.slice(0, MAX_NAMED).map((node) => node.name);
  return nodes.length > MAX_NAMED ? `${shown.join(" ")} +${nodes.length - MAX_NAMED} more` : shown.join(" ");
}

function nodeLines(nodes: readonly NodeSummary[]): string[] {
  if (nodes.length === 0) return ["  (no nodes)"];
  const groups = groupByTier(nodes);
  const width = Math.max(...groups.map((group) => group.tier.length));
  return groups.flatMap((group) => {
    const count = `${group.nodes.length} node${group.nodes.length === 1 ? "" : "s"}`;
    const head = `  ${group.tier.padEnd(width)}  ${count.padEnd(8)}  ${versionCounts(group.nodes)}`;
    const lines = [`${head}  ${names(group.nodes)}`];
    const unwell = group.nodes.filter((node) => !node.ready || node.cordoned);
    if (unwell.length > 0) {
      const listed = unwell.slice(0, MAX_NAMED).map((node) => `${node.name} ${nodeState(node)}`);
      const more = unwell.length > MAX_NAMED ? ` +${unwell.length - MAX_NAMED} more` : "";
      lines.push(`  ${" ".repeat(width)}  out of service: ${listed.join(", ")}${more}`);
    }
    return lines;
  });
}

function certificateLines(rotations: readonly CertRotation[], now: number): string[] {
  const known = rotations
    .map((rotation) => ({ rotation, earliest: rotation.status?.earliestExpiry }))
    .filter((entry) => entry.earliest !== undefined)
    .sort((a, b) => Date.parse(a.earliest?.notAfter ?? "") - Date.parse(b.earliest?.notAfter ?? ""));
  const first = known[0];
  if (first?.earliest === undefined) {
    return rotations.length === 0
      ? ["  no CertRotation: certificates are not inventoried (docs/certificates.md)"]
      : ["  no inventory reported yet"];
  }
  const { node, file, notAfter } = first.earliest;
  return [
    `  earliest expiry ${when(notAfter, now)} on ${node}: ${file} (certrotation/${first.rotation.metadata.name})`,
  ];
}

function snapshotLines(policies: readonly EtcdSnapshotPolicy[], now: number): string[] {
  if (policies.length === 0) return ["  no EtcdSnapshotPolicy: no snapshot is taken by the operator"];
  return [...policies]
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
    .flatMap((policy) => {
      const status = policy.status;
      const last = status?.lastSuccessfulSnapshot;
      const storage = status?.storage ? `storage ${status.storage.phase}` : "storage not checked";
      if (!last) return [`  ${policy.metadata.name}: ${storage}; no verified snapshot yet`];
      const size = last.size !== undefined ? `, ${formatBytes(last.size)}` : "";
      return [
        `  ${policy.metadata.name}: ${storage}; last verified ${last.name} on ${last.node}${size}`,
        `    taken ${when(last.takenAt, now)}${last.location !== undefined ? ` at ${last.location}` : ""}`,
      ];
    });
}

function planLine(plan: UpgradePlan): string | undefined {
  const status = plan.status;
  const phase = status?.phase;
  if (phase === undefined || phase === "Succeeded") return undefined;
  const parts = [
    `  upgradeplan/${plan.metadata.name}: ${phase}`,
    status?.targetVersion ? `to ${status.targetVersion}` : "",
    status?.tier ? `tier ${status.tier}` : "",
    status?.progress ? `${status.progress} upgraded` : "",
  ].filter((part) => part !== "");
  const nodes = (status?.nodes ?? []).map((node) => `${node.name} ${node.phase}`);
  return `${parts.join(", ")}${nodes.length > 0 ? `; nodes: ${nodes.join(", ")}` : ""}`;
}

function rotationLine(rotation: CertRotation): string | undefined {
  const status = rotation.status;
  if (status?.phase === undefined || status.phase === "Idle") return undefined;
  const nodes = (status.nodes ?? [])
    .filter((node) => node.phase !== "Pending")
    .map((node) => `${node.name} ${node.phase}`);
  const busy = nodes.length > 0 ? `; nodes: ${nodes.join(", ")}` : "";
  return `  certrotation/${rotation.metadata.name}: ${status.phase}${busy}`;
}

function operationLines(input: StatusInput): string[] {
  const running = [...input.plans.map(planLine), ...input.rotations.map(rotationLine)].filter(
    (line): line is string => line !== undefined,
  );
  const lock =
    input.lock === "unreadable"
      ? "  lock: cannot be read (no access to the Lease)"
      : `  lock ${input.lock.name}: ${input.lock.holder === undefined ? "free" : `held by ${input.lock.holder}`}`;
  return [...(running.length > 0 ? running : ["  none (no upgrade or rotation in progress)"]), lock];
}

export function needsAttention(condition: Pick<Condition, "type" | "status" | "reason">): boolean {
  if (condition.status === "Unknown" || INFORMATIONAL.has(condition.type)) return false;
  if (TROUBLE_WHEN_TRUE.has(condition.type)) return condition.status === "True";
  if (condition.type === "Ready" || condition.type === "PreflightPassed") {
    return condition.status === "False" && !ON_ITS_WAY.has(condition.reason);
  }
  return condition.status === "False";
}

interface Conditioned extends KubeObject {
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

function attentionFor(kind: string, object: Conditioned): string[] {
  const ref = `${kind}/${object.metadata.name}`;
  const generation = object.metadata.generation;
  const observed = object.status?.observedGeneration;
  if (observed === undefined) return [`  ${ref}: not reconciled yet (is the operator running?)`];
  const lines: string[] = [];
  if (generation !== undefined && observed < generation) {
    lines.push(`  ${ref}: the operator has not seen the latest spec yet (generation ${generation})`);
  }
  const seen = new Set<string>();
  for (const condition of object.status?.conditions ?? []) {
    if (!needsAttention(condition) || seen.has(condition.message)) continue;
    seen.add(condition.message);
    lines.push(`  ${ref}: ${condition.type}=${condition.status} ${condition.reason}: ${condition.message}`);
  }
  return lines;
}

function attentionLines(input: StatusInput): string[] {
  const lines = [
    ...input.nodes.filter((node) => !node.ready).map((node) => `  node/${node.name}: NotReady`),
    ...input.policies.flatMap((policy) => attentionFor("etcdsnapshotpolicy", policy)),
    ...input.rotations.flatMap((rotation) => attentionFor("certrotation", rotation)),
    ...input.plans.flatMap((plan) => attentionFor("upgradeplan", plan)),
  ];
  return lines.length > 0 ? lines : ["  nothing"];
}

export function statusView(input: StatusInput): string {
  return [
    `Cluster ${input.server}`,
    "",
    "NODES (by tier, in rollout order)",
    ...nodeLines(input.nodes),
    "CERTIFICATES",
    ...certificateLines(input.rotations, input.now),
    "SNAPSHOTS",
    ...snapshotLines(input.policies, input.now),
    "OPERATION",
    ...operationLines(input),
    "NEEDS ATTENTION",
    ...attentionLines(input),
    "",
  ].join("\n");
}
