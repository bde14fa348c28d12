/**
 * Runs the UpgradePlan controller, unchanged, against the simulated cluster, and records what
 * happened to the nodes (Jobs created, claims, etcd members down) as it happens, so tests can
 * assert order and safety over the whole rollout, not only its end state.
 */
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan, type UpgradePlanSpecInput } from "../../../src/api/upgradeplan.ts";
import type { UpgradePlanOptions } from "../../../src/controllers/upgradeplan/index.ts";
import { JOB_RESOURCE, NODE_LABEL, POD_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import {
  isNodeReady,
  isPodReady,
  NODE_RESOURCE,
  type NodeObject,
  type PodObject,
} from "../../../src/rollout/kube-objects.ts";
import { ETCD_ROLE_LABEL } from "../../../src/rke2/roles.ts";
import { systemClock } from "../../../src/runtime/clock.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import { isAlreadyExists } from "../../../src/runtime/kube/errors.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { waitFor } from "../../support/sim-harness.ts";
import {
  FAST_UPGRADES,
  startTestOperator,
  type RunningOperator,
  type TestOperatorOptions,
} from "../../support/operator-harness.ts";
import { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig } from "../../support/operator-config.ts";

export { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig };

export const FROM = "v1.30.6+rke2r1";
export const TO = "v1.31.4+rke2r1";

export type { RunningOperator };
export { FAST_UPGRADES as FAST };

/** One operator replica, as production runs it (a restart is stop() and a new one). */
export function startOperator(
  port: KubePort,
  options: Partial<UpgradePlanOptions> & Pick<TestOperatorOptions, "clock" | "controllers"> = {},
): Promise<RunningOperator> {
  const { clock, controllers, ...upgradePlan } = options;
  return startTestOperator(port, { upgradePlan, ...(clock ? { clock } : {}), ...(controllers ? { controllers } : {}) });
}

export function plan(name: string, spec: UpgradePlanSpecInput): UpgradePlan {
  return { apiVersion: upgradePlanResource.apiVersion, kind: upgradePlanResource.kind, metadata: { name }, spec };
}

/**
 * A quick plan: settle and timeouts in the compressed cluster's scale; workers drained with
 * `force`, since the sim's workloads include bare pods (which kubectl drain refuses too).
 */
export function quickSpec(overrides: UpgradePlanSpecInput = {}): UpgradePlanSpecInput {
  return {
    version: TO,
    healthGate: { settle: "300ms", timeout: "20s" },
    snapshot: { required: false },
    drain: { workers: { force: true, timeout: "30s" } },
    ...overrides,
  };
}

export async function getPlan(port: KubePort, name: string): Promise<UpgradePlan | undefined> {
  return port.get<UpgradePlan>(upgradePlanResource, name);
}

export async function waitForPlan(
  port: KubePort,
  name: string,
  predicate: (plan: UpgradePlan) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<UpgradePlan> {
  let last: UpgradePlan | undefined;
  try {
    return await waitFor(
      async () => {
        last = await getPlan(port, name);
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
  object: UpgradePlan | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

export async function createLocalSnapshotPolicy(port: KubePort, name: string): Promise<void> {
  try {
    await port.create(etcdSnapshotPolicyResource, {
      apiVersion: etcdSnapshotPolicyResource.apiVersion,
      kind: etcdSnapshotPolicyResource.kind,
      metadata: { name },
      spec: { schedule: "0 0 1 1 *" },
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function upgradeJobs(port: KubePort): Promise<Job[]> {
  return (
    await port.list<Job>(JOB_RESOURCE, { namespace: JOBS_NAMESPACE, labelSelector: "rke2-lifecycle.io/action=upgrade" })
  ).items;
}

export const imageOf = (job: Job): string =>
  (job.spec.template.spec as { containers: { image: string }[] }).containers[0]?.image ?? "";
export const nodeOf = (job: Job): string => job.metadata.labels?.[NODE_LABEL] ?? "";

export interface TimelineEntry {
  at: number;
  kind: "job" | "claimed" | "released";
  node: string;
  detail?: string;
}

/**
 * Watches Nodes, kube-system pods and Jobs and records, with real timestamps, every Job created,
 * every claim taken and dropped, and the largest number of etcd members down at once.
 */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  maxEtcdDown = 0;
  etcdDownSets: { at: number; down: string[]; why: string[] }[] = [];
  private readonly nodes: Informer<NodeObject>;
  private readonly pods: Informer<PodObject>;
  private readonly jobs: Informer<Job>;
  private readonly claimed = new Set<string>();
  /** Counting starts once both caches are full: a half-synced view shows pods "missing". */
  private armed = false;

  constructor(port: KubePort) {
    const base = { port, clock: systemClock, logger: silentLogger() };
    this.nodes = new Informer<NodeObject>({ ...base, type: NODE_RESOURCE });
    this.pods = new Informer<PodObject>({ ...base, type: POD_RESOURCE, namespace: "kube-system" });
    this.jobs = new Informer<Job>({ ...base, type: JOB_RESOURCE, namespace: JOBS_NAMESPACE });
    const check = (): void => {
      this.checkEtcd();
    };
    this.nodes.addHandler({
      onAdd: (node) => {
        this.onNode(node);
      },
      onUpdate: (_, node) => {
        this.onNode(node);
      },
    });
    this.pods.addHandler({ onAdd: check, onUpdate: check, onDelete: check });
    this.jobs.addHandler({
      onAdd: (job) =>
        job.metadata.labels?.["rke2-lifecycle.io/action"] === "upgrade" &&
        this.entries.push({ at: Date.now(), kind: "job", node: nodeOf(job), detail: imageOf(job) }),
    });
  }

  async start(): Promise<void> {
    for (const informer of [this.nodes, this.pods, this.jobs]) informer.start();
    await Promise.all([this.nodes.synced, this.pods.synced, this.jobs.synced]);
    this.armed = true;
  }

  async stop(): Promise<void> {
    await Promise.all([this.nodes.stop(), this.pods.stop(), this.jobs.stop()]);
  }

  jobOrder(): string[] {
    return this.entries.filter((e) => e.kind === "job").map((e) => e.node);
  }

  /** Largest number of nodes in `names` holding a claim at the same time. */
  maxClaimedAtOnce(names: readonly string[]): number {
    let current = 0;
    let max = 0;
    for (const entry of this.entries) {
      if (!names.includes(entry.node)) continue;
      if (entry.kind === "claimed") max = Math.max(max, ++current);
      if (entry.kind === "released") current--;
    }
    return max;
  }

  private onNode(node: NodeObject): void {
    const name = node.metadata.name;
    const held = readClaim(node.metadata.annotations) !== undefined;
    if (held && !this.claimed.has(name)) {
      this.claimed.add(name);
      this.entries.push({ at: Date.now(), kind: "claimed", node: name });
    } else if (!held && this.claimed.has(name)) {
      this.claimed.delete(name);
      this.entries.push({ at: Date.now(), kind: "released", node: name });
    }
    this.checkEtcd();
  }

  private checkEtcd(): void {
    if (!this.armed) return;
    const why: string[] = [];
    const down = this.nodes.cache
      .list()
      .filter((node) => node.metadata.labels?.[ETCD_ROLE_LABEL] === "true")
      .filter((node) => {
        const pod = this.pods.cache.get(`kube-system/etcd-${node.metadata.name}`);
        const isDown = !isNodeReady(node) || pod === undefined || !isPodReady(pod);
        if (isDown)
          why.push(
            `${node.metadata.name}: node ${isNodeReady(node) ? "Ready" : "not Ready"}, ` +
              `pod ${pod === undefined ? "missing" : isPodReady(pod) ? "Ready" : "not Ready"}`,
          );
        return isDown;
      })
      .map((node) => node.metadata.name);
    if (down.length > 0) this.etcdDownSets.push({ at: Date.now(), down, why });
    this.maxEtcdDown = Math.max(this.maxEtcdDown, down.length);
  }
}
