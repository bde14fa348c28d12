/**
 * The engine re-derives only the nodes that changed between rounds (issue 15): the informers tell
 * its observation memo about mirror pod and Job changes, a Node's own changes show in its
 * resourceVersion, and a round over unchanged nodes observes none of them afresh.
 */
import { describe, expect, it } from "@jest/globals";
import { JOB_RESOURCE, POD_RESOURCE } from "../../../src/nodeops/job.ts";
import type { PodObject } from "../../../src/rollout/kube-objects.ts";
import { flushMicrotasks } from "../../../src/runtime/clock.ts";
import { request, useEngineWorld } from "./engine-harness.ts";

describe("RolloutEngine observation memo", () => {
  const world = useEngineWorld();

  it("observes an unchanged node once, and again after its mirror pod changed", async () => {
    const paused = { mayStart: false };
    const first = await world.round(paused);
    expect(world.engine.observations.misses).toBe(2);
    const second = await world.round(paused);
    expect(world.engine.observations.misses).toBe(2);
    expect(second.input.nodes).toEqual(first.input.nodes);

    await world.port.patchStatus<PodObject>(
      POD_RESOURCE,
      "etcd-etcd-1",
      { conditions: [{ type: "Ready", status: "False" }] },
      "kube-system",
    );
    await flushMicrotasks();
    const third = await world.round(paused);
    expect(world.engine.observations.misses).toBe(3);
    const etcd = third.input.nodes.find((node) => node.name === "etcd-1");
    expect(etcd?.mirrorPods.find((pod) => pod.name === "etcd-etcd-1")?.ready).toBe(false);
    expect(third.input.nodes.find((node) => node.name === "agent-1")).toBe(
      second.input.nodes.find((node) => node.name === "agent-1"),
    );
  });

  it("observes a node again after its Job changed, and what it sees equals a fresh observation", async () => {
    await world.round();
    await world.engine.observe(request());
    const before = world.engine.observations.misses;
    await world.engine.observe(request());
    expect(world.engine.observations.misses).toBe(before);
    const [job] = await world.jobs();
    if (!job) throw new Error("no Job started");
    await world.port.patchStatus(
      JOB_RESOURCE,
      job.metadata.name,
      { conditions: [{ type: "Complete", status: "True" }], completionTime: new Date(world.clock.now()).toISOString() },
      "jobs",
    );
    await flushMicrotasks();
    const input = await world.engine.observe(request());
    expect(world.engine.observations.misses).toBe(before + 1);
    expect(input.nodes.find((node) => node.name === "etcd-1")?.jobs[0]?.state).toBe("Succeeded");
  });
});
