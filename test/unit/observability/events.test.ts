import { describe, expect, it } from "@jest/globals";
import { createEventRecorder, EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
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
    port.failNext("create", new KubeError("Forbidden", "no", { code: 403 }));
    const recorder = createEventRecorder({ port, clock: new FakeClock(), log: silentLogger() });
    await expect(recorder.record(plan, "Normal", "X", "y")).resolves.toBeUndefined();
  });

  it("writes a new Event with one create and a repeat with one patch, reading nothing", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const calls: string[] = [];
    const recorder = createEventRecorder({ port: counting(port, calls), clock, log: silentLogger() });
    await recorder.record(plan, "Normal", "NodeUpgraded", "s1 upgraded");
    await recorder.record(plan, "Normal", "NodeUpgraded", "s1 upgraded");
    await recorder.record(plan, "Normal", "NodeUpgraded", "s2 upgraded");
    expect(calls).toEqual(["create", "mergePatch", "create"]);
    const { items } = await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" });
    expect(items.map((event) => [event.message, event.count]).sort()).toEqual([
      ["s1 upgraded", 2],
      ["s2 upgraded", 1],
    ]);
  });

  it("counts on from an Event it did not write (a restart), and writes anew one that expired", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    await createEventRecorder({ port, clock, log: silentLogger() }).record(plan, "Warning", "DrainBlocked", "m");
    const calls: string[] = [];
    const restarted = createEventRecorder({ port: counting(port, calls), clock, log: silentLogger() });
    await restarted.record(plan, "Warning", "DrainBlocked", "m");
    const [written] = (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items;
    expect([calls, written?.count]).toEqual([["create", "get", "mergePatch"], 2]);

    await port.delete(EVENT_RESOURCE, written!.metadata.name, "default");
    calls.length = 0;
    await restarted.record(plan, "Warning", "DrainBlocked", "m");
    const [anew] = (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items;
    expect([calls, anew?.count]).toEqual([["mergePatch", "create"], 1]);
  });
});

/** The port, with the name of every call it gets appended to `calls`. */
function counting(port: KubePort, calls: string[]): KubePort {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
