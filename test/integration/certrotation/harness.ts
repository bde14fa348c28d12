/**
 * Runs the CertRotation controller (and, where a test needs both, the UpgradePlan controller in
 * the same manager, as the operator does) unchanged against the simulated cluster, and records
 * every claim each owner takes and drops, so tests can assert order and exclusion over the whole
 * run, not only its end state.
 */
import { certRotationResource, type CertRotation, type CertRotationSpecInput } from "../../../src/api/certrotation.ts";
import { JOB_RESOURCE, NODE_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { systemClock, type Clock } from "../../../src/runtime/clock.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { afterAll, beforeAll } from "@jest/globals";
import type { Sim } from "../../../src/sim/index.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { inventoryLeaseName, readInventoryLease } from "../../../src/certs/inventory-lease.ts";
import { relativeToDataDir } from "../../../src/certs/layout.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { JOBS_NAMESPACE } from "../../support/operator-config.ts";

export { JOBS_NAMESPACE };

export const DAY_MS = 86_400_000;
export const TLS = "/var/lib/rancher/rke2/server/tls";
export const AGENT = "/var/lib/rancher/rke2/agent";
export const SERVERS = ["etcd-1", "server-1", "server-2", "cp-1"];
export const AGENTS = ["agent-1", "agent-2", "agent-3"];

export type { RunningOperator };

/** One operator replica, as production runs it: every controller, the CertRotation one among them. */
export function startOperator(port: KubePort, options: { clock?: Clock } = {}): Promise<RunningOperator> {
  return startTestOperator(port, options);
}

export function certRotation(name: string, spec: CertRotationSpecInput): CertRotation {
  return { apiVersion: certRotationResource.apiVersion, kind: certRotationResource.kind, metadata: { name }, spec };
}

/** Settle and timeouts in the compressed cluster's scale. */
export function quickSpec(overrides: CertRotationSpecInput = {}): CertRotationSpecInput {
  return { healthGate: { settle: "300ms", timeout: "20s" }, ...overrides };
}

export async function waitForCr(
  port: KubePort,
  name: string,
  predicate: (cr: CertRotation) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<CertRotation> {
  let last: CertRotation | undefined;
  try {
    return await waitFor(
      async () => {
        last = await port.get<CertRotation>(certRotationResource, name);
        return last && predicate(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 50, what },
    );
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}; last status: ${JSON.stringify(last?.status)}`,
      { cause: err },
    );
  }
}

export function condition(
  cr: CertRotation | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return cr?.status?.conditions?.find((c) => c.type === type);
}

/**
 * Waits until the node's inventory report shows `file` (an absolute sim path) expiring at
 * `notAfterMs` (to the second).
 */
export async function waitForReported(
  port: KubePort,
  node: string,
  file: string,
  notAfterMs: number,
  timeoutMs = 10_000,
): Promise<void> {
  const relative = relativeToDataDir(file);
  await waitFor(
    async () => {
      const lease = await port.get<Lease>(LEASE_RESOURCE, inventoryLeaseName(node), JOBS_NAMESPACE);
      const cert = lease && readInventoryLease(lease)?.report?.certificates.find((c) => c.file === relative);
      return cert !== undefined && Math.floor(cert.notAfterMs / 1000) === Math.floor(notAfterMs / 1000);
    },
    { timeoutMs, what: `the inventory of ${node} to report ${relative}` },
  );
}

export async function rotateJobs(port: KubePort): Promise<Job[]> {
  return (
    await port.list<Job>(JOB_RESOURCE, {
      namespace: JOBS_NAMESPACE,
      labelSelector: "rke2-lifecycle.io/action=cert-rotate",
    })
  ).items;
}

export const nodeOf = (job: Job): string => job.metadata.labels?.[NODE_LABEL] ?? "";

export interface ClaimEntry {
  at: number;
  kind: "claimed" | "released";
  node: string;
  /** `<Kind>/<name>` holding the claim. */
  owner: string;
}

/** Watches Nodes and records, with real timestamps, every claim taken and dropped, and by whom. */
export class ClaimTimeline {
  readonly entries: ClaimEntry[] = [];
  private readonly nodes: Informer<NodeObject>;
  private readonly holders = new Map<string, string>();

  constructor(port: KubePort) {
    this.nodes = new Informer<NodeObject>({ port, type: NODE_RESOURCE, clock: systemClock, logger: silentLogger() });
    const onNode = (node: NodeObject): void => {
      const name = node.metadata.name;
      const owner = readClaim(node.metadata.annotations)?.owner;
      const before = this.holders.get(name);
      if (before === owner) return;
      if (before !== undefined) this.entries.push({ at: Date.now(), kind: "released", node: name, owner: before });
      if (owner !== undefined) this.entries.push({ at: Date.now(), kind: "claimed", node: name, owner });
      if (owner === undefined) this.holders.delete(name);
      else this.holders.set(name, owner);
    };
    this.nodes.addHandler({
      onAdd: onNode,
      onUpdate: (_, node) => {
        onNode(node);
      },
    });
  }

  async start(): Promise<void> {
    this.nodes.start();
    await this.nodes.synced;
  }

  stop(): Promise<void> {
    return this.nodes.stop();
  }

  claimOrder(owner?: string): string[] {
    return this.entries
      .filter((e) => e.kind === "claimed" && (owner === undefined || e.owner.startsWith(owner)))
      .map((e) => e.node);
  }

  /** Largest number of claims held at once among `names` (by any owner matching `owner`). */
  maxClaimedAtOnce(names: readonly string[], owner?: string): number {
    let current = 0;
    let max = 0;
    for (const entry of this.entries) {
      if (!names.includes(entry.node) || (owner !== undefined && !entry.owner.startsWith(owner))) continue;
      if (entry.kind === "claimed") max = Math.max(max, ++current);
      else current--;
    }
    return max;
  }

  /** Owners that held claims at the same moment, with when; empty when they never overlapped. */
  overlaps(): { at: number; owners: string[] }[] {
    const held = new Map<string, string>();
    const found: { at: number; owners: string[] }[] = [];
    for (const entry of this.entries) {
      if (entry.kind === "claimed") held.set(entry.node, entry.owner);
      else held.delete(entry.node);
      const owners = [...new Set(held.values())];
      if (owners.length > 1) found.push({ at: entry.at, owners });
    }
    return found;
  }
}

/**
 * Per test file: a claim timeline recording from the start, and the operator on its own accounted
 * client; both stopped after the file. Returns a getter usable inside tests.
 */
export function withOperatorAndTimeline(sim: () => Sim): () => { operator: RunningOperator; timeline: ClaimTimeline } {
  let running: { operator: RunningOperator; timeline: ClaimTimeline } | undefined;
  beforeAll(async () => {
    const timeline = new ClaimTimeline(sim().port);
    await timeline.start();
    running = { timeline, operator: await startOperator(sim().operatorPort) };
  });
  afterAll(async () => {
    await running?.operator.stop();
    await running?.timeline.stop();
  });
  return () => {
    if (!running) throw new Error("the operator is not started yet (use it inside a test)");
    return running;
  };
}
