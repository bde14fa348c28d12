import { describe, expect, it } from "@jest/globals";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import { Heartbeats } from "../../../../src/sim/cluster/heartbeats.ts";

function nodes(count: number, beats: number[]) {
  return Array.from({ length: count }, (_, index) => ({
    spec: { index },
    beat: () => Promise.resolve(void (beats[index] = (beats[index] ?? 0) + 1)),
  }));
}

describe("Heartbeats", () => {
  it("beats every node once per interval on one timer, spread over the interval", async () => {
    const clock = new FakeClock();
    const beats: number[] = [];
    const heartbeats = new Heartbeats(clock, 10_000, nodes(1000, beats));
    heartbeats.start();
    await clock.advance(5_000);
    const half = beats.filter((n) => n > 0).length;
    expect(half).toBeGreaterThan(400);
    expect(half).toBeLessThan(600);
    await clock.advance(5_000);
    expect(beats.length).toBe(1000);
    expect(beats.every((n) => n === 1)).toBe(true);
    await clock.advance(30_000);
    expect(beats.every((n) => n === 4)).toBe(true);
    heartbeats.stop();
    await clock.advance(10_000);
    expect(beats.every((n) => n === 4)).toBe(true);
  });

  it("skips a node whose previous beat has not settled", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const stuck = { spec: { index: 0 }, beat: () => ((calls += 1), new Promise<void>(() => undefined)) };
    const heartbeats = new Heartbeats(clock, 1_000, [stuck]);
    heartbeats.start();
    await clock.advance(5_000);
    expect(calls).toBe(1);
    heartbeats.stop();
  });
});
