import { describe, expect, it } from "@jest/globals";
import { createEventRecorder, EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import type { KubeObject } from "../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const plan: KubeObject = {
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  metadata: { name: "p", uid: "u1" },
};

describe("event recorder", () => {
  it("creates an Event for a cluster-scoped object and counts repeats on it", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const recorder = createEventRecorder({ port, clock, log: silentLogger() });
    await recorder.record(plan, "Warning", "DrainBlocked", "pod a/b blocked by PDB a/pdb");
    await clock.advance(5_000);
    await recorder.record(plan, "Warning", "DrainBlocked", "pod a/b blocked by PDB a/pdb");
    await recorder.record(plan, "Normal", "NodeUpgraded", "s1 upgraded");
    const { items } = await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" });
    expect(items).toHaveLength(2);
    const blocked = items.find((event) => event.reason === "DrainBlocked")!;
    expect(blocked.count).toBe(2);
    expect(blocked.involvedObject).toEqual({
      apiVersion: "rke2-lifecycle.io/v1alpha1",
      kind: "UpgradePlan",
      name: "p",
      uid: "u1",
    });
    expect(blocked.firstTimestamp).not.toBe(blocked.lastTimestamp);
  });

  it("never throws when the API refuses", async () => {
    const port = new MemoryKubePort();
    const { KubeError } = await import("../../../src/runtime/kube/errors.ts");
    port.failNext("get", new KubeError("Forbidden", "no", { code: 403 }));
    const recorder = createEventRecorder({ port, clock: new FakeClock(), log: silentLogger() });
    await expect(recorder.record(plan, "Normal", "X", "y")).resolves.toBeUndefined();
  });
});
