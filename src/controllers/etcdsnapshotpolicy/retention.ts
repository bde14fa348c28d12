/**
 * Which of a policy's etcd snapshots to keep and which to delete. Pure and deterministic: the
 * answer depends on the set of snapshots, not on the order they were listed in.
 *
 * Retention counts snapshot EVENTS, not files. RKE2's own pruning counts files per node and, for
 * S3, every node's files together, so with several etcd nodes it keeps fewer points in time than
 * asked for (rke2 #5216). Here one event is:
 * - one save: the same RKE2 snapshot name, whether its copy is on the node's disk, in S3, or both;
 * - with `AllEtcdNodes`, the saves the etcd nodes took for one run: saves by DIFFERENT nodes that
 *   started within {@link SAME_EVENT_WINDOW_MS} of the event's first save. A node's second save
 *   always begins a new event, so two runs of one node are never merged.
 * `count: 5` keeps the 5 newest events, with all their files on every node and in S3.
 */

import type { FileDigest } from "../../nodeops/digest.ts";
import { gfsKeep, type GfsTiers } from "./gfs.ts";
import type { Integrity } from "./integrity.ts";

export type SnapshotStorage = "local" | "s3";

export interface PolicySnapshot {
  /** RKE2's snapshot name, `<--name>-<node>-<unix seconds>`, plus `.zip` when compressed. */
  name: string;
  /** The node that took it; for an S3 copy too (ETCDSnapshotFile spec.nodeName), not "s3". */
  node: string;
  location: string;
  takenAt: number;
  /** Bytes; 0 for a failed save. A snapshot counts as successful when its size is above 0. */
  size: number;
  storage: SnapshotStorage;
  /** What the node-agent measured right after the save. */
  digest?: FileDigest | undefined;
  /** The integrity check's verdict (./integrity.ts); absent: not checked. */
  integrity?: Integrity | undefined;
}

export interface RetentionInput<T extends PolicySnapshot> {
  policyName: string;
  /** Every snapshot seen, of any policy: those this policy did not make are left alone. */
  snapshots: readonly T[];
  /** spec.retention.count: how many events to keep (at least 1). */
  count: number;
  /** spec.retention.maxAge in milliseconds: events older than this are deleted. */
  maxAgeMs?: number | undefined;
  now: number;
  /**
   * Snapshot names whose events are kept whatever their age or rank, e.g. the last snapshot
   * the operator VERIFIED. The newest file with a size may be a save whose S3 upload failed;
   * while S3 is down that must not push the last good S3 copy out.
   */
  protect?: readonly string[] | undefined;
  /**
   * How far apart saves by different nodes may start and still be one event. Only runs that save
   * on every member at once (`AllEtcdNodes`) have such events; with `OneEtcdNode` pass 0, or two
   * runs a minute apart on different members would count as one.
   */
  sameEventWindowMs?: number | undefined;
  /** spec.retention.keepDaily/keepWeekly/keepMonthly (./gfs.ts). */
  gfs?: GfsTiers | undefined;
  /**
   * The UpgradePlans whose pre-upgrade snapshots this policy's retention prunes (those that name
   * it in spec.snapshot.policyRef, when spec.retention.protectPreUpgradeFor is set), and that
   * protection. `succeededAt` absent: the plan has not succeeded yet.
   */
  preUpgrade?: { plans: readonly PreUpgradeHold[]; protectForMs: number } | undefined;
}

export interface PreUpgradeHold {
  planName: string;
  succeededAt?: number | undefined;
}

export interface RetentionDecision<T extends PolicySnapshot> {
  /** Newest first, as status.snapshots lists them. */
  keep: T[];
  /** Oldest first. */
  delete: T[];
}

/** How far apart the saves of one `AllEtcdNodes` run may start; scheduled runs are further apart. */
export const SAME_EVENT_WINDOW_MS = 10 * 60_000;

const COMPRESSED_EXTENSION = ".zip";

/**
 * Whether this policy made the snapshot. RKE2 names files `<name>-<node>-<unix seconds>` and the
 * operator passes the policy name as `<name>`, so the file is ours exactly when stripping the
 * record's own node and timestamp leaves the policy name. A bare prefix test would be ambiguous:
 * `daily-eu-n1-1700000000` starts with `daily-` but, taken on node `n1`, belongs to `daily-eu`.
 * A record whose node is not in its name (an old CLI listing that says "s3") is never claimed:
 * retention must not delete what it cannot attribute.
 */
export function isPolicySnapshot(policyName: string, snapshot: Pick<PolicySnapshot, "name" | "node">): boolean {
  const name = snapshot.name.endsWith(COMPRESSED_EXTENSION)
    ? snapshot.name.slice(0, -COMPRESSED_EXTENSION.length)
    : snapshot.name;
  const prefix = `${policyName}-${snapshot.node}-`;
  return name.startsWith(prefix) && /^[0-9]+$/.test(name.slice(prefix.length));
}

export function isSuccessful(snapshot: Pick<PolicySnapshot, "size">): boolean {
  return snapshot.size > 0;
}

/** Successful and not found corrupt: a snapshot the integrity check failed is never "good". */
export function isGood(snapshot: Pick<PolicySnapshot, "size" | "integrity">): boolean {
  return isSuccessful(snapshot) && snapshot.integrity?.verified !== false;
}

/** An event counts as good when every copy is: one bad copy (a corrupt upload) spoils the save. */
function isGoodEvent<T extends PolicySnapshot>(event: SnapshotEvent<T>): boolean {
  return event.members.some(isSuccessful) && event.members.every((member) => member.integrity?.verified !== false);
}

export function selectSnapshotsToDelete<T extends PolicySnapshot>(input: RetentionInput<T>): RetentionDecision<T> {
  const ours = input.snapshots.filter((snapshot) => isPolicySnapshot(input.policyName, snapshot));
  const events = groupIntoEvents(ours, input.sameEventWindowMs ?? SAME_EVENT_WINDOW_MS).sort(
    (a, b) => b.latest - a.latest || b.start - a.start,
  );
  const goodEvents = events.filter(isGoodEvent);

  const kept = new Set<SnapshotEvent<T>>();
  // The newest good event is kept whatever its age, and it takes one of the `count` places so the
  // kept events never exceed count (protected ones may: they are kept come what may). A save whose
  // integrity check failed is never it: it would push out the last copy that restores.
  const newestGoodCopy = newestOf(goodEvents.flatMap((event) => event.members.filter(isSuccessful)));
  const newestGood = goodEvents.find((event) => newestGoodCopy !== undefined && event.members.includes(newestGoodCopy));
  if (newestGood) kept.add(newestGood);
  const protectedNames = new Set(input.protect ?? []);
  for (const event of events) if (event.members.some((member) => protectedNames.has(member.name))) kept.add(event);
  const places = Math.max(1, Math.floor(input.count));
  for (const event of events) {
    if (kept.size >= places) break;
    if (kept.has(event)) continue;
    const tooOld = input.maxAgeMs !== undefined && input.now - event.latest > input.maxAgeMs;
    // A failed event newer than the newest good one is the latest news and stays while it fits;
    // one older than it has been superseded.
    const superseded = !isGoodEvent(event) && newestGoodCopy !== undefined && event.latest <= newestGoodCopy.takenAt;
    if (!tooOld && !superseded) kept.add(event);
  }
  // The GFS tiers keep their own events beside `count`; `maxAge` does not cut them short.
  for (const event of gfsKeep(
    [...goodEvents].sort((a, b) => goodTime(b) - goodTime(a)),
    input.gfs ?? {},
    goodTime,
  ))
    kept.add(event);

  const keep: T[] = [];
  const drop: T[] = [];
  for (const event of events) (kept.has(event) ? keep : drop).push(...event.members);
  const held = preUpgradeRetention(input);
  keep.push(...held.keep);
  drop.push(...held.delete);
  return { keep: keep.sort(compareSnapshots).reverse(), delete: drop.sort(compareSnapshots) };
}

/**
 * Pre-upgrade snapshots (`pre-upgrade-<plan>`) of the plans `input.preUpgrade` lists: each is kept
 * until its plan succeeded AND `protectForMs` has passed since; then it goes. Those of plans not
 * listed (another policy's, a plan deleted) are not this policy's to judge and are left alone.
 */
function preUpgradeRetention<T extends PolicySnapshot>(input: RetentionInput<T>): { keep: T[]; delete: T[] } {
  const keep: T[] = [];
  const drop: T[] = [];
  for (const plan of input.preUpgrade?.plans ?? []) {
    const released =
      plan.succeededAt !== undefined && input.now - plan.succeededAt >= (input.preUpgrade?.protectForMs ?? 0);
    for (const snapshot of input.snapshots) {
      if (!isPolicySnapshot(preUpgradeSnapshotPrefix(plan.planName), snapshot)) continue;
      (released ? drop : keep).push(snapshot);
    }
  }
  return { keep, delete: drop };
}

/** The `--name` the UpgradePlan controller gives its pre-upgrade snapshot (pre-upgrade.ts). */
export function preUpgradeSnapshotPrefix(planName: string): string {
  return `pre-upgrade-${planName}`;
}

/**
 * The events (see the top of this file) of a policy's snapshots, oldest first; saves within an
 * event in the order they started.
 */
export function groupSnapshotEvents<T extends PolicySnapshot>(
  snapshots: readonly T[],
  sameEventWindowMs = SAME_EVENT_WINDOW_MS,
): T[][] {
  return groupIntoEvents(snapshots, sameEventWindowMs).map((event) => event.members);
}

interface SnapshotEvent<T> {
  members: T[];
  /** takenAt of its first save. */
  start: number;
  /** takenAt of its newest file: an event is as young as its youngest part. */
  latest: number;
  nodes: Set<string>;
}

function groupIntoEvents<T extends PolicySnapshot>(snapshots: readonly T[], windowMs: number): SnapshotEvent<T>[] {
  // First the copies of one save (same name: local and S3), then the saves of one run.
  const saves = new Map<string, T[]>();
  for (const snapshot of snapshots) {
    const copies = saves.get(snapshot.name);
    if (copies) copies.push(snapshot);
    else saves.set(snapshot.name, [snapshot]);
  }
  const orderedSaves = [...saves.values()]
    .map((copies) => copies.sort(compareSnapshots))
    .sort((a, b) => compareSnapshots(firstOf(a), firstOf(b)));

  const events: SnapshotEvent<T>[] = [];
  let current: SnapshotEvent<T> | undefined;
  for (const copies of orderedSaves) {
    const first = firstOf(copies);
    const latest = Math.max(...copies.map((copy) => copy.takenAt));
    if (current && first.takenAt - current.start <= windowMs && !current.nodes.has(first.node)) {
      current.members.push(...copies);
      current.latest = Math.max(current.latest, latest);
      current.nodes.add(first.node);
    } else {
      current = { members: [...copies], start: first.takenAt, latest, nodes: new Set([first.node]) };
      events.push(current);
    }
  }
  return events;
}

/** Oldest first, with ties broken by every identifying field so the order is total. */
function compareSnapshots(a: PolicySnapshot, b: PolicySnapshot): number {
  return (
    a.takenAt - b.takenAt ||
    compareText(a.name, b.name) ||
    compareText(a.node, b.node) ||
    compareText(a.storage, b.storage) ||
    compareText(a.location, b.location)
  );
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function newestOf<T extends PolicySnapshot>(snapshots: readonly T[]): T | undefined {
  return [...snapshots].sort(compareSnapshots).at(-1);
}

/** When a good event's newest successful copy was taken: the time a GFS tier files it under. */
function goodTime<T extends PolicySnapshot>(event: SnapshotEvent<T>): number {
  return Math.max(...event.members.filter(isSuccessful).map((member) => member.takenAt));
}

function firstOf<T>(items: readonly T[]): T {
  const [first] = items;
  if (first === undefined) throw new Error("a group of snapshots is never empty");
  return first;
}
