/**
 * The demo's line log (when stdout is not a terminal), as a pure function: observed objects in,
 * one line per subject out. The printer shows a line again only when it changed, so the output
 * reads as a log of transitions. Every line stays under MAX_LINE characters: free text from a
 * status (messages) is shortened, and a line that would still be longer is cut.
 */
import type { CertRotation } from "../api/certrotation.ts";
import type { EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import type { UpgradePlan } from "../api/upgradeplan.ts";
import { groupByTier, type NodeSummary } from "../cli/node-tiers.ts";
import { humanDuration } from "../runtime/human-duration.ts";

/** Longest line of the log, its time prefix included. */
export const MAX_LINE = 159;
/** Room the printer's `[ 12.3s] ` prefix takes. */
const PREFIX = 9;
const MAX_MESSAGE = 60;

export type ObservedNode = NodeSummary;

export interface DemoObservation {
  nodes: ObservedNode[];
  plan?: UpgradePlan;
  policy?: EtcdSnapshotPolicy;
  rotation?: CertRotation;
  /** Node Jobs of the operator: name and state. */
  jobs: { name: string; state: string }[];
  /** The certificate the demo made expire soon, as the simulated node holds it, and when it was read. */
  certificate?: { node: string; file: string; notAfter: number; readAt: number };
}

/** `server-1 server/tls/client-admin.crt expires 2026-12-27 (in 20d)`. */
export function describeCertificate(certificate: DemoObservation["certificate"]): string {
  if (!certificate) return "watched certificate: none";
  const { node, file, notAfter, readAt } = certificate;
  const date = new Date(notAfter).toISOString().slice(0, 10);
  const left = humanDuration(notAfter - readAt);
  return `watched certificate: ${node} ${file.replace(/^.*\/rke2\//, "")} expires ${date} (in ${left})`;
}

function condition(conditions: { type: string; status: string; reason?: string }[] | undefined, type: string): string {
  const found = conditions?.find((c) => c.type === type);
  return found ? `${type}=${found.status}${found.reason ? ` (${found.reason})` : ""}` : `${type}=?`;
}

/** Cuts text to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

function shortVersion(version: string): string {
  return version.replace(/\+rke2r\d+$/, "");
}

export function describePlan(plan: UpgradePlan | undefined): string {
  if (!plan) return "UpgradePlan: not applied";
  const status = plan.status;
  if (status?.observedGeneration === undefined) return `UpgradePlan ${plan.metadata.name}: not reconciled yet`;
  const nodes = (status.nodes ?? [])
    .map((n) => `${n.name} ${n.phase}${n.message ? ` (${clip(n.message, MAX_MESSAGE)})` : ""}`)
    .join(", ");
  return [
    `UpgradePlan ${plan.metadata.name}: ${status.phase ?? "?"}${status.progress ? ` ${status.progress}` : ""}`,
    status.targetVersion ? `to ${shortVersion(status.targetVersion)}` : "",
    status.tier ? `tier ${status.tier}` : "",
    condition(status.conditions, "Ready"),
    nodes ? `in progress: ${nodes}` : "",
  ]
    .filter((part) => part !== "")
    .join(" | ");
}

export function describePolicy(policy: EtcdSnapshotPolicy | undefined): string {
  if (!policy) return "EtcdSnapshotPolicy: not applied";
  const status = policy.status;
  if (status?.observedGeneration === undefined) return `EtcdSnapshotPolicy ${policy.metadata.name}: not reconciled yet`;
  const last = status.lastSuccessfulSnapshot;
  return [
    `EtcdSnapshotPolicy ${policy.metadata.name}: ${condition(status.conditions, "Ready")}`,
    last ? `last snapshot ${last.name} on ${last.node}` : "no snapshot yet",
    `retained ${status.snapshotCount ?? 0}`,
    status.nextScheduleTime ? `next ${status.nextScheduleTime}` : "",
  ]
    .filter((part) => part !== "")
    .join(" | ");
}

export function describeRotation(rotation: CertRotation | undefined): string {
  if (!rotation) return "CertRotation: not applied";
  const status = rotation.status;
  if (status?.observedGeneration === undefined) return `CertRotation ${rotation.metadata.name}: not reconciled yet`;
  const earliest = status.earliestExpiry;
  const rotating = (status.nodes ?? []).filter((n) => n.phase !== "Pending").map((n) => `${n.name} ${n.phase}`);
  return [
    `CertRotation ${rotation.metadata.name}: ${status.phase ?? "?"}`,
    condition(status.conditions, "ExpiringSoon"),
    rotating.length > 0 ? `nodes: ${rotating.join(", ")}` : "",
    earliest
      ? `earliest expiry ${earliest.notAfter.slice(0, 10)} (${earliest.node} ${earliest.file})`
      : "no inventory yet",
  ]
    .filter((part) => part !== "")
    .join(" | ");
}

/** One line per tier: `etcd nodes: etcd-1[etcd] v1.30.6, server-1[etcd+cp] v1.31.4 cordoned`. */
export function describeNodes(nodes: readonly ObservedNode[]): Map<string, string> {
  return new Map(
    groupByTier(nodes).map((group) => {
      const parts = group.nodes.map((n) => {
        const state = `${n.ready ? "" : " NotReady"}${n.cordoned ? " cordoned" : ""}`;
        return `${n.name}[${n.roles}] ${shortVersion(n.version)}${state}`;
      });
      return [`nodes:${group.tier}`, `${group.tier} nodes: ${parts.join(", ")}`];
    }),
  );
}

export function describeJobs(jobs: DemoObservation["jobs"]): string {
  const running = jobs.filter((job) => job.state === "Running").map((job) => job.name);
  const finished = jobs.length - running.length;
  return `node Jobs: ${finished} finished${running.length > 0 ? `; running: ${running.join(", ")}` : ""}`;
}

/** What the demo measures while it watches: the order nodes reached the target, and disruption overlap. */
export interface RolloutRecord {
  /** Node names in the order they were first seen at the target version. */
  order: string[];
  /** The most etcd members seen not Ready or cordoned at the same time. */
  maxEtcdOut: number;
}

export function recordRollout(record: RolloutRecord, observed: DemoObservation, target: string): RolloutRecord {
  const newlyDone = observed.nodes
    .filter((n) => n.version === target && !record.order.includes(n.name))
    .map((n) => n.name)
    .sort();
  const etcdOut = observed.nodes.filter((n) => n.roles.includes("etcd") && (!n.ready || n.cordoned)).length;
  return { order: [...record.order, ...newlyDone], maxEtcdOut: Math.max(record.maxEtcdOut, etcdOut) };
}

/** One line per subject, keyed so the printer can tell what changed. */
export function demoView(observed: DemoObservation): Map<string, string> {
  const view = new Map<string, string>(describeNodes(observed.nodes));
  view.set("policy", describePolicy(observed.policy));
  view.set("plan", describePlan(observed.plan));
  view.set("rotation", describeRotation(observed.rotation));
  if (observed.certificate) view.set("certificate", describeCertificate(observed.certificate));
  view.set("jobs", describeJobs(observed.jobs));
  return new Map([...view].map(([key, line]) => [key, clip(line, MAX_LINE - PREFIX)]));
}

/** Lines of `next` that differ from `previous`, in view order. */
export function changedLines(previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): string[] {
  return [...next].filter(([key, line]) => previous.get(key) !== line).map(([, line]) => line);
}
