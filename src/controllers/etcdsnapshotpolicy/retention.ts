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

export function selectSnapshotsToDelete<T extends PolicySnapshot>(input: RetentionInput<T>): RetentionDecision<T> {
  const ours = input.snapshots.filter((snapshot) => isPolicySnapshot(input.policyName, snapshot));
  const events = groupIntoEvents(ours, input.sameEventWindowMs ?? SAME_EVENT_WINDOW_MS).sort(
    (a, b) => b.latest - a.latest || b.start - a.start,
  );

  const newestSuccess = newestOf(ours.filter(isSuccessful));
  const protectedEvent = events.find((event) => newestSuccess !== undefined && event.members.includes(newestSuccess));

  const kept = new Set<SnapshotEvent<T>>();
  // The newest success is kept whatever its age, and it takes one of the `count` places so the
  // kept events never exceed count (protected ones may: they are kept come what may).
  if (protectedEvent) kept.add(protectedEvent);
  const protectedNames = new Set(input.protect ?? []);
  for (const event of events) if (event.members.some((member) => protectedNames.has(member.name))) kept.add(event);
  const places = Math.max(1, Math.floor(input.count));
  for (const event of events) {
    if (kept.size >= places) break;
    if (kept.has(event)) continue;
    const tooOld = input.maxAgeMs !== undefined && input.now - event.latest > input.maxAgeMs;
    // A failed event newer than the newest success is the latest news and stays while it fits;
    // one older than it has been superseded.
    const superseded =
      !event.members.some(isSuccessful) && newestSuccess !== undefined && event.latest <= newestSuccess.takenAt;
    if (!tooOld && !superseded) kept.add(event);
  }

  const keep: T[] = [];
  const drop: T[] = [];
  for (const event of events) (kept.has(event) ? keep : drop).push(...event.members);
  return { keep: keep.sort(compareSnapshots).reverse(), delete: drop.sort(compareSnapshots) };
}

/** The events (see the top of this file) of a policy's snapshots, oldest first; saves within an event in the order they started. */
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

function firstOf<T>(items: readonly T[]): T {
  const [first] = items;
  if (first === undefined) throw new Error("a group of snapshots is never empty");
  return first;
}
