/**
 * The engine's effects against the in-memory port: claims and cordons, Jobs (created once,
 * adopted on repeat), the health gate, drains with evictions and PodDisruptionBudget refusals,
 * and the disruption Lease.
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { DISRUPTING_KINDS } from "../../../src/controllers/context.ts";
import { buildNodeJob, JOB_RESOURCE, POD_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import {
  CLAIM_ANNOTATION,
  completionLabelKey,
  readClaim,
  recordedDurationMs,
  targetHash,
} from "../../../src/rollout/claim.ts";
import { RolloutEngine } from "../../../src/rollout/engine.ts";
import { createRolloutCaches, type RolloutCaches } from "../../../src/rollout/informers.ts";
import { NODE_RESOURCE, type NodeObject, type PodObject } from "../../../src/rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import type { RolloutRequest } from "../../../src/rollout/observe.ts";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";
import { policy } from "./fixtures.ts";

const TARGET = "v1.31.4+rke2r1";
const LABEL = completionLabelKey("UpgradePlan", "p");
const OWNER = { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "UpgradePlan", name: "p", uid: "uid-p" };

function nodeObject(name: string, labels: Record<string, string>, now: number): NodeObject {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    spec: {},
    status: {
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: new Date(now - 3_600_000).toISOString() }],
      nodeInfo: { kubeletVersion: "v1.30.6+rke2r1" },
    },
  };
}

function pod(name: string, nodeName: string, extra: Partial<PodObject["metadata"]> = {}): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "apps", ...extra },
    spec: { nodeName },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

describe("RolloutEngine with the in-memory port", () => {
  let clock: FakeClock;
  let port: MemoryKubePort;
  let caches: RolloutCaches;
  let engine: RolloutEngine;

  const request = (overrides: Partial<RolloutRequest> = {}): RolloutRequest => ({
    owner: OWNER,
    action: "upgrade",
    target: TARGET,
    completionLabel: LABEL,
    nodeSelector: undefined,
    policy: policy(),
    mayStart: true,
    retryFailed: false,
    buildJob: (node, identity) =>
      buildNodeJob({
        action: "upgrade",
        owner: OWNER,
        node,
        namespace: "jobs",
        image: `rancher/rke2-upgrade:v1.31.4-rke2r1`,
        args: ["upgrade"],
        identity,
        activeDeadlineSeconds: 900,
      }),
    isSatisfied: (node) => node.status?.nodeInfo?.kubeletVersion === TARGET,
    maxStatusNodes: 100,
    ...overrides,
  });
  const nodeNamed = async (name: string): Promise<NodeObject> => {
    const found = await port.get<NodeObject>(NODE_RESOURCE, name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  };
  const jobs = async (): Promise<Job[]> => (await port.list<Job>(JOB_RESOURCE, { namespace: "jobs" })).items;
  const round = async (overrides: Partial<RolloutRequest> = {}) => {
    const result = await engine.run(request(overrides));
    await flushMicrotasks();
    return result;
  };

  beforeEach(async () => {
    clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
    port = new MemoryKubePort({ clock });
    await port.create(NODE_RESOURCE, nodeObject("etcd-1", { "node-role.kubernetes.io/etcd": "true" }, clock.now()));
    await port.create(NODE_RESOURCE, nodeObject("agent-1", {}, clock.now()));
    await port.create(POD_RESOURCE, {
      ...pod("etcd-etcd-1", "etcd-1", {
        labels: { component: "etcd" },
        annotations: { "kubernetes.io/config.mirror": "h" },
      }),
      metadata: {
        name: "etcd-etcd-1",
        namespace: "kube-system",
        labels: { component: "etcd" },
        annotations: { "kubernetes.io/config.mirror": "h" },
      },
    });
    await port.create(
      POD_RESOURCE,
      pod("web-1", "agent-1", {
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs", controller: true }],
      }),
    );
    caches = createRolloutCaches({ port, clock, log: silentLogger(), namespace: "ops", jobNamespace: "jobs" });
    for (const informer of caches.informers) informer.start();
    await Promise.all(caches.informers.map((informer) => informer.synced));
    engine = new RolloutEngine({
      port,
      clock,
      log: silentLogger(),
      caches,
      lockHolderKinds: DISRUPTING_KINDS,
      drainPollMs: 100,
    });
  });

  afterEach(async () => {
    await Promise.all(caches.informers.map((informer) => informer.stop()));
  });

  it("claims, cordons and starts the Job in one round, holds the lock, and repeats nothing", async () => {
    const first = await round();
    const etcd = await nodeNamed("etcd-1");
    expect(etcd.spec?.unschedulable).toBe(true);
    expect(readClaim(etcd.metadata.annotations)).toMatchObject({
      owner: "UpgradePlan/p",
      attempts: 1,
      wasUnschedulable: false,
    });
    expect((await jobs()).map((j) => j.metadata.name)).toEqual([
      request().buildJob("etcd-1", `${targetHash(TARGET)}#1`).metadata.name,
    ]);
    expect((await port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, "ops"))?.spec?.holderIdentity).toBe(
      "UpgradePlan/p",
    );
    expect(first.summary).toMatchObject({
      tier: "etcd",
      counts: { total: 2, done: 0, inProgress: 1, pending: 1, failed: 0 },
    });
    expect(first.events.map((e) => e.reason)).toEqual(["NodeStarted"]);

    const patches = port.requestCount("mergePatch", "nodes");
    await round();
    await round();
    expect(await jobs()).toHaveLength(1);
    expect(port.requestCount("mergePatch", "nodes")).toBe(patches);
  });

  /** Starts etcd-1, then completes its Job and brings it back Ready at the target. */
  const completeEtcdUpgrade = async (): Promise<void> => {
    await round();
    const [job] = await jobs();
    if (!job) throw new Error("no job");
    const finishedAt = new Date(clock.now()).toISOString();
    await port.patchStatus(
      JOB_RESOURCE,
      job.metadata.name,
      {
        conditions: [{ type: "Complete", status: "True", lastTransitionTime: finishedAt }],
        completionTime: finishedAt,
      },
      "jobs",
    );
    await port.patchStatus(NODE_RESOURCE, "etcd-1", {
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: finishedAt }],
      nodeInfo: { kubeletVersion: TARGET },
    });
    await flushMicrotasks();
  };

  it("finishes a node once healthy for the settle time, then drains and starts the worker", async () => {
    await completeEtcdUpgrade();
    const settling = await round();
    expect(settling.summary.nodes).toEqual([
      expect.objectContaining({
        name: "etcd-1",
        phase: "WaitingHealthy",
        message: `healthy since ${new Date(clock.now()).toISOString()}, settling 30s`,
      }),
    ]);
    expect(settling.requeueAfterMs).toBe(30_000);

    await clock.advance(30_000);
    const next = await round();
    const etcd = await nodeNamed("etcd-1");
    expect(etcd.metadata.labels?.[LABEL]).toBe(targetHash(TARGET));
    expect(etcd.metadata.annotations?.[CLAIM_ANNOTATION]).toBeUndefined();
    expect(etcd.spec?.unschedulable).toBeUndefined();
    expect(next.finished).toEqual([{ node: "etcd-1", tier: "etcd", durationMs: 30_000 }]);
    // The duration is recorded with the label (same key) for the ETA, and read back by the next round.
    expect(recordedDurationMs(etcd.metadata.annotations, LABEL, targetHash(TARGET))).toBe(30_000);
    expect(next.input.nodes.find((n) => n.name === "etcd-1")?.measuredDurationMs).toBeUndefined();
    expect((await round()).input.nodes.find((n) => n.name === "etcd-1")?.measuredDurationMs).toBe(30_000);
    // The worker was claimed in the same round and its pod evicted; the Job waits for the drain.
    expect((await nodeNamed("agent-1")).spec?.unschedulable).toBe(true);
    expect(await port.get(POD_RESOURCE, "web-1", "apps")).toBeUndefined();
    expect(next.summary.nodes).toEqual([expect.objectContaining({ name: "agent-1", phase: "Draining" })]);
    expect(next.requeueAfterMs).toBe(100);

    // The drain ends and the Job starts in this round: the summary shows what was done, not what was decided.
    const started = await round();
    expect((await jobs()).map((j) => j.metadata.labels?.["rke2-lifecycle.io/node"]).sort()).toEqual([
      "agent-1",
      "etcd-1",
    ]);
    const agentJob = (await jobs()).find((j) => j.metadata.labels?.["rke2-lifecycle.io/node"] === "agent-1");
    expect(started.summary.nodes).toEqual([
      expect.objectContaining({ name: "agent-1", phase: "Running", job: agentJob?.metadata.name }),
    ]);
  });

  /** Brings etcd-1 to the round that finishes it, where the same round would also claim agent-1. */
  const untilEtcdFinishes = async (): Promise<void> => {
    await completeEtcdUpgrade();
    await round();
    await clock.advance(30_000);
  };

  it("lands a round's finish before its next claim, even when the finish is the slower write", async () => {
    await untilEtcdFinishes();
    const landed: string[] = [];
    const patch = port.mergePatch.bind(port);
    port.mergePatch = async <T extends KubeObject>(
      type: ResourceType,
      name: string,
      body: object,
      namespace?: string,
    ): Promise<T> => {
      // The finishing write answers last unless the executor waits for it before claiming.
      if (name === "etcd-1") for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      const result = await patch<T>(type, name, body, namespace);
      landed.push(name);
      return result;
    };
    const next = await round();
    expect(next.finished.map((f) => f.node)).toEqual(["etcd-1"]);
    expect(landed).toEqual(["etcd-1", "agent-1"]);
  });

  it("claims no other node in a round whose finish failed", async () => {
    await untilEtcdFinishes();
    const patch = port.mergePatch.bind(port);
    port.mergePatch = async <T extends KubeObject>(
      type: ResourceType,
      name: string,
      body: object,
      namespace?: string,
    ): Promise<T> => {
      if (name === "etcd-1") throw new KubeError("Conflict", "the object has been modified", { code: 409 });
      return patch<T>(type, name, body, namespace);
    };
    const next = await round();
    expect(next.finished).toEqual([]);
    expect(readClaim((await nodeNamed("agent-1")).metadata.annotations)).toBeUndefined();
    expect(next.requeueAfterMs).toBe(0);
  });

  it("reports a PodDisruptionBudget refusal as DrainBlocked naming the budget, once per reason", async () => {
    await port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    const refusal = () =>
      new KubeError("TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
        code: 429,
        causes: [
          { reason: "DisruptionBudget", message: "The disruption budget web needs 1 healthy pods and has 1 currently" },
        ],
      });
    port.failNext("evict", refusal());
    const blocked = await round();
    expect(blocked.summary.waiting).toEqual({
      reason: "DrainBlocked",
      message: expect.stringContaining("refused by PodDisruptionBudget web"),
    });
    expect(blocked.events.map((e) => e.reason)).toEqual(["NodeStarted", "DrainBlocked"]);
    expect(blocked.requeueAfterMs).toBeGreaterThanOrEqual(1000);
    port.failNext("evict", refusal());
    const again = await round();
    expect(again.events).toEqual([]);
    expect(await jobs()).toEqual([]);
  });

  it("fails a drain at once when two budgets select a pod", async () => {
    await port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    port.failNext(
      "evict",
      new KubeError(
        "Retriable",
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        { code: 500 },
      ),
    );
    const first = await round();
    expect(first.events.map((e) => e.reason)).toEqual(["NodeStarted", "DrainFailed"]);
    const second = await round();
    expect(second.summary.halted).toBe(true);
    expect(second.summary.nodes).toEqual([
      expect.objectContaining({
        name: "agent-1",
        phase: "Failed",
        message: expect.stringContaining("more than one PodDisruptionBudget"),
      }),
    ]);
    // The drain never finished: the node is uncordoned, its workloads keep running.
    expect((await nodeNamed("agent-1")).spec?.unschedulable).toBeUndefined();
  });

  it("waits while another operation holds the lock, and takes it over once its holder is gone", async () => {
    await port.create(certRotationResource, {
      apiVersion: "rke2-lifecycle.io/v1alpha1",
      kind: "CertRotation",
      metadata: { name: "default" },
    });
    await port.create<Lease>(LEASE_RESOURCE, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: DISRUPTION_LOCK_NAME, namespace: "ops" },
      spec: { holderIdentity: "CertRotation/default" },
    });
    await flushMicrotasks();
    const waiting = await round();
    expect(waiting.summary.waiting).toEqual({
      reason: "DisruptionLockHeld",
      message: "another operation holds the disruption lock: CertRotation/default",
    });
    expect((await nodeNamed("etcd-1")).spec?.unschedulable).toBeUndefined();

    await port.delete(certRotationResource, "default");
    const taken = await round();
    expect(taken.lockHeld).toBe(true);
    expect((await nodeNamed("etcd-1")).spec?.unschedulable).toBe(true);
  });

  it("frees nodes claimed by an owner that was deleted", async () => {
    const dead = {
      owner: "UpgradePlan/deleted",
      target: "x",
      attempts: 1,
      attemptStartedAt: new Date(clock.now()).toISOString(),
      wasUnschedulable: false,
      claimedAt: new Date(clock.now()).toISOString(),
    };
    await port.mergePatch(NODE_RESOURCE, "etcd-1", {
      metadata: { annotations: { [CLAIM_ANNOTATION]: JSON.stringify(dead) } },
      spec: { unschedulable: true },
    });
    await flushMicrotasks();
    await round();
    const etcd = await nodeNamed("etcd-1");
    expect(readClaim(etcd.metadata.annotations)).toMatchObject({ owner: "UpgradePlan/p", wasUnschedulable: false });
    expect(await jobs()).toHaveLength(1);
  });

  it("labels nodes already at the target without touching them", async () => {
    await port.patchStatus(NODE_RESOURCE, "agent-1", { nodeInfo: { kubeletVersion: TARGET } });
    await port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    const result = await round();
    const agent = await nodeNamed("agent-1");
    expect(agent.metadata.labels?.[LABEL]).toBe(targetHash(TARGET));
    expect(agent.spec?.unschedulable).toBeUndefined();
    expect(result.summary.complete).toBe(true);
    expect(await jobs()).toEqual([]);
  });
});
