/**
 * The inventory's reporting channel: one coordination.k8s.io Lease per node in the jobs
 * namespace, `cert-inventory-<node>`, written by that node's DaemonSet pod. The Lease is the
 * heartbeat (holderIdentity = node, renewTime = scan time, leaseDurationSeconds = how long the
 * report may go unrenewed before it counts as stale) and one annotation carries the report.
 *
 * Why a Lease and not an annotation on the Node (docs/certificates.md): the pod then needs only
 * `create`/`patch` on Leases of one namespace, not `patch` on every Node of the cluster (which
 * would let a compromised agent cordon or relabel any node), and only the operator's one
 * informer sees the writes, not every Node watcher in the cluster (kubelets, CNI, schedulers).
 * The same shape kubelets use for their heartbeats in kube-node-lease, at 5,000 nodes.
 */
import { createHash } from "node:crypto";
import { isAlreadyExists, isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { LEASE_RESOURCE, microTime, type Lease } from "../runtime/lease.ts";
import { decodeReport, encodeReport, type InventoryReport } from "./report.ts";

export const CERTIFICATES_ANNOTATION = "rke2-lifecycle.io/certificates";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const INVENTORY_COMPONENT = "cert-inventory";
/** What the operator's informer selects in the jobs namespace. */
export const INVENTORY_LABEL_SELECTOR = `${COMPONENT_LABEL}=${INVENTORY_COMPONENT}`;
const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
const MANAGED_BY = "rke2-lifecycle-operator";
const PREFIX = "cert-inventory-";
const MAX_NAME = 253;

/** `cert-inventory-<node>`; a name too long for an object name is cut and keeps a hash of the whole. */
export function inventoryLeaseName(node: string): string {
  const full = `${PREFIX}${node}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash("sha256").update(node).digest("hex").slice(0, 10);
  return `${full.slice(0, MAX_NAME - hash.length - 1).replace(/[^a-z0-9]+$/, "")}-${hash}`;
}

export interface PublishRequest {
  namespace: string;
  node: string;
  report: InventoryReport;
  /** How long the report stays valid without a renewal; a few report intervals. */
  leaseDurationSeconds: number;
  /** The Node's uid: the Lease is created owned by it, so deleting the Node deletes its report. */
  nodeUid?: string;
}

function metadataOf(request: PublishRequest): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [COMPONENT_LABEL]: INVENTORY_COMPONENT },
    annotations: { [CERTIFICATES_ANNOTATION]: encodeReport(request.report) },
  };
}

function specOf(request: PublishRequest): Lease["spec"] {
  return {
    holderIdentity: request.node,
    leaseDurationSeconds: request.leaseDurationSeconds,
    renewTime: microTime(request.report.scannedAtMs),
  };
}

/**
 * Writes the node's report: a merge patch of its Lease, or a create the first time. Merge patch
 * needs no read and no resourceVersion: each node's pod is the only writer of its Lease.
 */
export async function publishInventory(port: KubePort, request: PublishRequest): Promise<Lease> {
  const name = inventoryLeaseName(request.node);
  const patch = { metadata: metadataOf(request), spec: specOf(request) };
  try {
    return await port.mergePatch<Lease>(LEASE_RESOURCE, name, patch, request.namespace);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const lease: Lease = {
    apiVersion: LEASE_RESOURCE.apiVersion,
    kind: LEASE_RESOURCE.kind,
    metadata: {
      name,
      namespace: request.namespace,
      ...metadataOf(request),
      ...(request.nodeUid
        ? { ownerReferences: [{ apiVersion: "v1", kind: "Node", name: request.node, uid: request.nodeUid }] }
        : {}),
    },
    spec: { ...specOf(request), acquireTime: microTime(request.report.scannedAtMs) },
  };
  try {
    return await port.create(LEASE_RESOURCE, lease);
  } catch (err) {
    // A second pod of the same node (a DaemonSet rollout) created it in between.
    if (!isAlreadyExists(err)) throw err;
    return port.mergePatch<Lease>(LEASE_RESOURCE, name, patch, request.namespace);
  }
}

export interface NodeInventory {
  node: string;
  /** Undefined when the annotation is missing or unreadable (see `problem`). */
  report: InventoryReport | undefined;
  problem: string | undefined;
  /** When the reporter last renewed the Lease (epoch ms; 0 when never). */
  renewedAtMs: number;
  /** After this the report is stale: the reporter stopped (pod gone, node down). */
  staleAfterMs: number;
}

/** What one inventory Lease says; undefined for a Lease that names no node. */
export function readInventoryLease(lease: Lease): NodeInventory | undefined {
  const node = lease.spec?.holderIdentity;
  if (!node) return undefined;
  const renewed = Date.parse(lease.spec?.renewTime ?? "");
  const renewedAtMs = Number.isFinite(renewed) ? renewed : 0;
  const decoded = decodeReport(lease.metadata.annotations?.[CERTIFICATES_ANNOTATION]);
  return {
    node,
    report: decoded.ok ? decoded.report : undefined,
    problem: decoded.ok ? undefined : decoded.message,
    renewedAtMs,
    staleAfterMs: renewedAtMs + (lease.spec?.leaseDurationSeconds ?? 0) * 1000,
  };
}

export function isStale(inventory: Pick<NodeInventory, "staleAfterMs">, nowMs: number): boolean {
  return nowMs > inventory.staleAfterMs;
}
