/** The engine against the in-memory port: drain refusals, the disruption Lease, deleted owners, nodes at target. */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { CLAIM_ANNOTATION, readClaim, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE } from "../../../src/rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import { flushMicrotasks } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { useEngineWorld, TARGET, LABEL } from "./engine-harness.ts";

describe("RolloutEngine with the in-memory port: drains, the lock, deleted owners", () => {
  const world = useEngineWorld();
  const { round, jobs, nodeNamed } = world;

  it("reports a PodDisruptionBudget refusal as DrainBlocked naming the budget, once per reason", async () => {
    await world.port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    const refusal = () =>
      new KubeError("TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
        code: 429,
        causes: [
          { reason: "DisruptionBudget", message: "The disruption budget web needs 1 healthy pods and has 1 currently" },
        ],
      });
    world.port.failNext("evict", refusal());
    const blocked = await round();
    expect(blocked.summary.waiting).toEqual({
      reason: "DrainBlocked",
      message: expect.stringContaining("refused by PodDisruptionBudget web"),
    });
    expect(blocked.events.map((e) => e.reason)).toEqual(["NodeStarted", "DrainBlocked"]);
    expect(blocked.requeueAfterMs).toBeGreaterThanOrEqual(1000);
    world.port.failNext("evict", refusal());
    const again = await round();
    expect(again.events).toEqual([]);
    expect(await jobs()).toEqual([]);
  });

  it("fails a drain at once when two budgets select a pod", async () => {
    await world.port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    world.port.failNext(
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
    await world.port.create(certRotationResource, {
      apiVersion: "rke2-lifecycle.io/v1alpha1",
      kind: "CertRotation",
      metadata: { name: "default" },
    });
    await world.port.create<Lease>(LEASE_RESOURCE, {
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

    await world.port.delete(certRotationResource, "default");
    const taken = await round();
    expect(taken.lockHeld).toBe(true);
    expect((await nodeNamed("etcd-1")).spec?.unschedulable).toBe(true);
  });

  it("frees nodes claimed by an owner that was deleted", async () => {
    const dead = {
      owner: "UpgradePlan/deleted",
      target: "x",
      attempts: 1,
      attemptStartedAt: new Date(world.clock.now()).toISOString(),
      wasUnschedulable: false,
      claimedAt: new Date(world.clock.now()).toISOString(),
    };
    await world.port.mergePatch(NODE_RESOURCE, "etcd-1", {
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
    await world.port.patchStatus(NODE_RESOURCE, "agent-1", { nodeInfo: { kubeletVersion: TARGET } });
    await world.port.mergePatch(NODE_RESOURCE, "etcd-1", { metadata: { labels: { [LABEL]: targetHash(TARGET) } } });
    await flushMicrotasks();
    const result = await round();
    const agent = await nodeNamed("agent-1");
    expect(agent.metadata.labels?.[LABEL]).toBe(targetHash(TARGET));
    expect(agent.spec?.unschedulable).toBeUndefined();
    expect(result.summary.complete).toBe(true);
    expect(await jobs()).toEqual([]);
  });
});
