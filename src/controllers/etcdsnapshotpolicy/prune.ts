/**
 * Turning retention's verdict into `snapshot-delete` Jobs. Pure.
 *
 * Deletion goes through `rke2 etcd-snapshot delete` on a node, never straight to disk or bucket,
 * so RKE2 removes its own ETCDSnapshotFile records too. `delete <name>` removes the file of that
 * name from the node's disk and, with the S3 flags, the object of that name from the bucket.
 * So: each node deletes its own local copies (and their S3 twins); S3 copies without a local copy
 * on a healthy member (the node is gone or down) are deleted from any healthy member.
 */
import type { EtcdNodeState } from "./nodes.ts";
import type { PolicySnapshot } from "./retention.ts";

export interface PrunePlan {
  node: string;
  names: string[];
}

/** Names per Job: a long list would only make one failure cost more. */
export const MAX_NAMES_PER_DELETE_JOB = 20;

export interface PruneInput {
  doomed: readonly PolicySnapshot[];
  members: readonly EtcdNodeState[];
  /** The policy has S3 settings: without them, S3 copies cannot be reached and are left alone. */
  hasS3: boolean;
}

export interface PruneOutcome {
  plans: PrunePlan[];
  /** Copies that cannot be deleted now, and why. */
  deferred: { name: string; reason: string }[];
}

export function planPrune(input: PruneInput): PruneOutcome {
  const healthy = input.members.filter((m) => m.healthy).map((m) => m.name);
  const byNode = new Map<string, Set<string>>();
  const deferred: PruneOutcome["deferred"] = [];
  const add = (node: string, name: string): void => {
    const names = byNode.get(node) ?? new Set<string>();
    names.add(name);
    byNode.set(node, names);
  };

  const coveredWithS3 = new Set<string>();
  for (const copy of input.doomed.filter((s) => s.storage === "local")) {
    if (!healthy.includes(copy.node)) {
      deferred.push({ name: copy.name, reason: `node ${copy.node} is not a healthy etcd member` });
      continue;
    }
    add(copy.node, copy.name);
    if (input.hasS3) coveredWithS3.add(copy.name);
  }
  for (const copy of input.doomed.filter((s) => s.storage === "s3")) {
    if (coveredWithS3.has(copy.name)) continue;
    if (!input.hasS3) {
      deferred.push({ name: copy.name, reason: "the policy no longer has S3 settings" });
      continue;
    }
    const node = healthy.includes(copy.node) ? copy.node : healthy[0];
    if (node === undefined) {
      deferred.push({ name: copy.name, reason: "no healthy etcd member" });
      continue;
    }
    add(node, copy.name);
  }

  const plans: PrunePlan[] = [];
  for (const [node, names] of [...byNode.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sorted = [...names].sort();
    for (let i = 0; i < sorted.length; i += MAX_NAMES_PER_DELETE_JOB)
      plans.push({ node, names: sorted.slice(i, i + MAX_NAMES_PER_DELETE_JOB) });
  }
  return { plans, deferred };
}
