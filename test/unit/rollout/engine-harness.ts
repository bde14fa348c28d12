/** A RolloutEngine on the in-memory port with two nodes (etcd-1, agent-1), for engine*.test.ts. */
import { afterEach, beforeEach } from "@jest/globals";
import { DISRUPTING_KINDS } from "../../../src/controllers/context.ts";
import { buildNodeJob, JOB_RESOURCE, POD_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { completionLabelKey } from "../../../src/rollout/claim.ts";
import { RolloutEngine } from "../../../src/rollout/engine.ts";
import { createRolloutCaches, type RolloutCaches } from "../../../src/rollout/informers.ts";
import { NODE_RESOURCE, type NodeObject, type PodObject } from "../../../src/rollout/kube-objects.ts";
import type { RolloutRequest } from "../../../src/rollout/observe.ts";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";
import { policy } from "./fixtures.ts";

export const TARGET = "v1.31.4+rke2r1";
export const LABEL = completionLabelKey("UpgradePlan", "p");
export const OWNER = { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "UpgradePlan", name: "p", uid: "uid-p" };

export function nodeObject(name: string, labels: Record<string, string>, now: number): NodeObject {
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

export function pod(name: string, nodeName: string, extra: Partial<PodObject["metadata"]> = {}): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "apps", ...extra },
    spec: { nodeName },
    status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
  };
}

export const request = (overrides: Partial<RolloutRequest> = {}): RolloutRequest => ({
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

export interface EngineWorld {
  clock: FakeClock;
  port: MemoryKubePort;
  caches: RolloutCaches;
  engine: RolloutEngine;
  /** One engine round with `request(overrides)`, then the informers catch up. */
  round: (overrides?: Partial<RolloutRequest>) => ReturnType<RolloutEngine["run"]>;
  jobs: () => Promise<Job[]>;
  nodeNamed: (name: string) => Promise<NodeObject>;
}

/** Registers beforeEach/afterEach that build a fresh world per test; read its fields inside tests. */
export function useEngineWorld(): EngineWorld {
  const world = {
    round: async (overrides: Partial<RolloutRequest> = {}) => {
      const result = await world.engine.run(request(overrides));
      await flushMicrotasks();
      return result;
    },
    jobs: async (): Promise<Job[]> => (await world.port.list<Job>(JOB_RESOURCE, { namespace: "jobs" })).items,
    nodeNamed: async (name: string): Promise<NodeObject> => {
      const found = await world.port.get<NodeObject>(NODE_RESOURCE, name);
      if (!found) throw new Error(`no node ${name}`);
      return found;
    },
  } as EngineWorld;
  beforeEach(async () => {
    world.clock = new FakeClock(Date.UTC(2026, 0, 1, 12));
    world.port = new MemoryKubePort({ clock: world.clock });
    await world.port.create(
      NODE_RESOURCE,
      nodeObject("etcd-1", { "node-role.kubernetes.io/etcd": "true" }, world.clock.now()),
    );
    await world.port.create(NODE_RESOURCE, nodeObject("agent-1", {}, world.clock.now()));
    await world.port.create(POD_RESOURCE, {
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
    await world.port.create(
      POD_RESOURCE,
      pod("web-1", "agent-1", {
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web", uid: "rs", controller: true }],
      }),
    );
    world.caches = createRolloutCaches({
      port: world.port,
      clock: world.clock,
      log: silentLogger(),
      namespace: "ops",
      jobNamespace: "jobs",
    });
    for (const informer of world.caches.informers) informer.start();
    await Promise.all(world.caches.informers.map((informer) => informer.synced));
    world.engine = new RolloutEngine({
      port: world.port,
      clock: world.clock,
      log: silentLogger(),
      caches: world.caches,
      lockHolderKinds: DISRUPTING_KINDS,
      drainPollMs: 100,
    });
  });
  afterEach(async () => {
    await Promise.all(world.caches.informers.map((informer) => informer.stop()));
  });
  return world;
}
