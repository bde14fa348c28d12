import { describe, expect, it } from "@jest/globals";
import { RecentWrites, resourceVersionAtLeast } from "../../../src/rollout/fresh.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import type { KubeObject } from "../../../src/runtime/kube/types.ts";

const obj = (rv: string, note: string): KubeObject & { note: string } => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name: "n", resourceVersion: rv },
  note,
});

describe("RecentWrites", () => {
  it("prefers our write until the cache catches up, then the cache", () => {
    const writes = new RecentWrites<ReturnType<typeof obj>>(new FakeClock());
    writes.record(obj("12", "ours"));
    expect(writes.resolve(obj("10", "stale"), "n")?.note).toBe("ours");
    expect(writes.resolve(obj("13", "newer"), "n")?.note).toBe("newer");
    expect(writes.size).toBe(0);
  });

  it("forgets entries when the informer delivers the write, or after the TTL", async () => {
    const clock = new FakeClock();
    const writes = new RecentWrites<ReturnType<typeof obj>>(clock, 1000);
    writes.record(obj("12", "ours"));
    writes.handler().onUpdate?.(obj("11", "x"), obj("12", "ours"));
    expect(writes.size).toBe(0);
    writes.record(obj("20", "ours"));
    await clock.advance(1001);
    expect(writes.resolve(obj("15", "cache"), "n")?.note).toBe("cache");
  });

  it("compares integer resourceVersions numerically and others only for equality", () => {
    expect(resourceVersionAtLeast("100", "99")).toBe(true);
    expect(resourceVersionAtLeast("99", "100")).toBe(false);
    expect(resourceVersionAtLeast("abc", "abd")).toBe(false);
    expect(resourceVersionAtLeast("abc", "abc")).toBe(true);
    expect(resourceVersionAtLeast(undefined, "1")).toBe(false);
  });
});
