/**
 * The engine's effects against the in-memory port: claims and cordons, Jobs (created once,
 * adopted on repeat), the health gate and the order of a round's writes. Drains, the disruption
 * Lease and deleted owners: engine-drain-lock.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import { JOB_RESOURCE, POD_RESOURCE } from "../../../src/nodeops/job.ts";
import { CLAIM_ANNOTATION, readClaim, recordedDurationMs, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE } from "../../../src/rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import { flushMicrotasks } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { useEngineWorld, request, TARGET, LABEL } from "./engine-harness.ts";

describe("RolloutEngine with the in-memory port", () => {
  const world = useEngineWorld();
  const { round, jobs, nodeNamed } = world;

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
    expect((await world.port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, "ops"))?.spec?.holderIdentity).toBe(
      "UpgradePlan/p",
    );
    expect(first.summary).toMatchObject({
      tier: "etcd",
      counts: { total: 2, done: 0, inProgress: 1, pending: 1, failed: 0 },
    });
    expect(first.events.map((e) => e.reason)).toEqual(["NodeStarted"]);

    const patches = world.port.requestCount("mergePatch", "nodes");
    await round();
    await round();
    expect(await jobs()).toHaveLength(1);
    expect(world.port.requestCount("mergePatch", "nodes")).toBe(patches);
  });

  /** Starts etcd-1, then completes its Job and brings it back Ready at the target. */
  const completeEtcdUpgrade = async (): Promise<void> => {
    await round();
    const [job] = await jobs();
    if (!job) throw new Error("no job");
    const finishedAt = new Date(world.clock.now()).toISOString();
    await world.port.patchStatus(
      JOB_RESOURCE,
      job.metadata.name,
      {
        conditions: [{ type: "Complete", status: "True", lastTransitionTime: finishedAt }],
        completionTime: finishedAt,
      },
      "jobs",
    );
    await world.port.patchStatus(NODE_RESOURCE, "etcd-1", {
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
        message: `healthy since ${new Date(world.clock.now()).toISOString()}, settling 30s`,
      }),
    ]);
    expect(settling.requeueAfterMs).toBe(30_000);

    await world.clock.advance(30_000);
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
    expect(await world.port.get(POD_RESOURCE, "web-1", "apps")).toBeUndefined();
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
    await world.clock.advance(30_000);
  };

  it("lands a round's finish before its next claim, even when the finish is the slower write", async () => {
    await untilEtcdFinishes();
    const landed: string[] = [];
    const patch = world.port.mergePatch.bind(world.port);
    world.port.mergePatch = async <T extends KubeObject>(
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
    const patch = world.port.mergePatch.bind(world.port);
    world.port.mergePatch = async <T extends KubeObject>(
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
});
