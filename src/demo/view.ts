/**
 * The demo's live progress view, as a pure function: observed objects in, one line per subject
 * out. The printer shows a line again only when it changed, so the output reads as a log of
 * transitions (in a terminal and in CI logs alike).
 */
import type { CertRotation } from "../api/certrotation.ts";
import type { EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import type { UpgradePlan } from "../api/upgradeplan.ts";

export interface ObservedNode {
  name: string;
  roles: string;
  version: string;
  ready: boolean;
  cordoned: boolean;
}

export interface DemoObservation {
  nodes: ObservedNode[];
  plan?: UpgradePlan;
  policy?: EtcdSnapshotPolicy;
  rotation?: CertRotation;
  /** Node Jobs of the operator: name and state. */
  jobs: { name: string; state: string }[];
}

function condition(conditions: { type: string; status: string; reason?: string }[] | undefined, type: string): string {
  const found = conditions?.find((c) => c.type === type);
  return found ? `${type}=${found.status}${found.reason ? ` (${found.reason})` : ""}` : `${type}=?`;
}

function shortVersion(version: string): string {
  return version.replace(/\+rke2r\d+$/, "");
}

export function describePlan(plan: UpgradePlan | undefined): string {
  if (!plan) return "UpgradePlan: not applied";
  const status = plan.status;
  if (status?.observedGeneration === undefined) return `UpgradePlan ${plan.metadata.name}: not reconciled yet`;
  const nodes = (status.nodes ?? []).map((n) => `${n.name} ${n.phase}${n.message ? ` (${n.message})` : ""}`).join(", ");
  return [
    `UpgradePlan ${plan.metadata.name}: ${status.phase ?? "?"}`,
    status.targetVersion ? `target ${status.targetVersion}` : "",
    status.tier ? `tier ${status.tier}` : "",
    status.progress ? `progress ${status.progress}` : "",
    nodes ? `in progress: ${nodes}` : "",
    condition(status.conditions, "Ready"),
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
    `EtcdSnapshotPolicy ${policy.metadata.name}:`,
    last ? `last snapshot ${last.name} on ${last.node}` : "no snapshot yet",
    `retained ${status.snapshotCount ?? 0}`,
    status.nextScheduleTime ? `next ${status.nextScheduleTime}` : "",
    condition(status.conditions, "Ready"),
  ]
    .filter((part) => part !== "")
    .join(" | ");
}

export function describeRotation(rotation: CertRotation | undefined): string {
  if (!rotation) return "CertRotation: not applied";
  const status = rotation.status;
  if (status?.observedGeneration === undefined) return `CertRotation ${rotation.metadata.name}: not reconciled yet`;
  const earliest = status.earliestExpiry;
  return [
    `CertRotation ${rotation.metadata.name}: ${status.phase ?? "?"}`,
    earliest ? `earliest expiry ${earliest.notAfter} (${earliest.node} ${earliest.file})` : "no inventory yet",
    condition(status.conditions, "ExpiringSoon"),
  ].join(" | ");
}

export function describeNodes(nodes: readonly ObservedNode[]): string {
  const parts = [...nodes]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(
      (n) =>
        `${n.name}[${n.roles}] ${shortVersion(n.version)}${n.ready ? "" : " NotReady"}${n.cordoned ? " cordoned" : ""}`,
    );
  return `nodes: ${parts.join(", ")}`;
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
  const view = new Map<string, string>();
  view.set("nodes", describeNodes(observed.nodes));
  view.set("policy", describePolicy(observed.policy));
  view.set("plan", describePlan(observed.plan));
  view.set("rotation", describeRotation(observed.rotation));
  view.set("jobs", describeJobs(observed.jobs));
  return view;
}

/** Lines of `next` that differ from `previous`, in view order. */
export function changedLines(previous: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>): string[] {
  return [...next].filter(([key, line]) => previous.get(key) !== line).map(([, line]) => line);
}
