/**
 * Reads what a CertRotation round decides on from the caches, pure over what it is handed: the
 * inventory per node, the nodes as this CertRotation sees them, and its succeeded rotation Jobs.
 */
import { readInventoryLease, type NodeInventory } from "../../certs/inventory-lease.ts";
import { nodeJobName, type Job } from "../../nodeops/job.ts";
import { readClaim } from "../../rollout/claim.ts";
import type { NodeObject } from "../../rollout/kube-objects.ts";
import { matchesLabelSelector } from "../../rollout/selector.ts";
import type { LabelSelector } from "../../api/common.ts";
import { LEASE_RESOURCE, type Lease } from "../../runtime/lease.ts";
import { runsLinuxNodeJobs } from "../../rke2/roles.ts";
import type { ObservedCertNode } from "./decide.ts";
import { BEFORE_ANNOTATION, decodeBefore, type RotationRecord } from "./verify.ts";

/**
 * Decoded Leases, keyed by the cached object itself: the informer replaces an object when it
 * changes and freezes it otherwise, so a reconcile decodes only the reports that changed.
 */
const decoded = new WeakMap<Lease, NodeInventory | undefined>();

/**
 * An inventory Lease as the informer caches it: its report decoded once, here, and of the Lease
 * only the name, namespace and resourceVersion the cache keys and watches by (the report JSON,
 * labels, owner, holder and times are about 1.3 KB a node). Read it with `readInventoryCached`.
 */
export function cachedInventoryLease(lease: Lease): Lease {
  const { name, namespace, resourceVersion } = lease.metadata;
  const slim: Lease = {
    apiVersion: LEASE_RESOURCE.apiVersion,
    kind: LEASE_RESOURCE.kind,
    metadata: {
      name,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(resourceVersion ? { resourceVersion } : {}),
    },
  };
  decoded.set(slim, readInventoryLease(lease));
  return slim;
}

export function readInventoryCached(lease: Lease): NodeInventory | undefined {
  if (!decoded.has(lease)) decoded.set(lease, readInventoryLease(lease));
  return decoded.get(lease);
}

/** Inventory by node; if two Leases name one node, the most recently renewed wins. */
export function inventoryByNode(leases: readonly Lease[]): Map<string, NodeInventory> {
  const byNode = new Map<string, NodeInventory>();
  for (const lease of leases) {
    const inventory = readInventoryCached(lease);
    if (!inventory) continue;
    const existing = byNode.get(inventory.node);
    if (existing && existing.renewedAtMs >= inventory.renewedAtMs) continue;
    byNode.set(inventory.node, inventory);
  }
  return byNode;
}

export function observeCertNodes(
  nodes: readonly NodeObject[],
  selector: LabelSelector | undefined,
  completionLabel: string,
): ObservedCertNode[] {
  return nodes.map((node) => ({
    name: node.metadata.name,
    resourceVersion: node.metadata.resourceVersion ?? "",
    unschedulable: node.spec?.unschedulable === true,
    selected: runsLinuxNodeJobs(node.metadata.labels) && matchesLabelSelector(selector, node.metadata.labels),
    doneHash: node.metadata.labels?.[completionLabel],
    claim: readClaim(node.metadata.annotations),
  }));
}

function completedAtMs(job: Job): number | undefined {
  const complete = job.status?.conditions?.find((c) => c.type === "Complete" && c.status === "True") as
    { lastTransitionTime?: string } | undefined;
  if (!complete) return undefined;
  const at = Date.parse(job.status?.completionTime ?? complete.lastTransitionTime ?? "");
  return Number.isFinite(at) ? at : undefined;
}

/**
 * The latest succeeded rotation Job of `node` for the target whose hash is `targetHash`, among
 * the node's cert-rotate Jobs of this CertRotation. Job names follow the engine's deterministic
 * scheme (`<targetHash>#<attempt>` as identity), so the attempt is found by name.
 */
export function latestRotation(
  owner: string,
  node: string,
  targetHash: string,
  jobs: readonly Job[],
  maxAttempts: number,
): RotationRecord | undefined {
  const byName = new Map(
    jobs.filter((job) => job.metadata.deletionTimestamp === undefined).map((job) => [job.metadata.name, job]),
  );
  for (let attempt = maxAttempts; attempt >= 1; attempt--) {
    const job = byName.get(nodeJobName("cert-rotate", owner, node, `${targetHash}#${attempt}`));
    const at = job && completedAtMs(job);
    if (job && at !== undefined)
      return {
        job: job.metadata.name,
        attempt,
        completedAtMs: at,
        before: decodeBefore(job.metadata.annotations?.[BEFORE_ANNOTATION]),
      };
  }
  return undefined;
}
