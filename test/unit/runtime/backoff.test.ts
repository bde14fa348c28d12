import { describe, expect, it } from "@jest/globals";
import { Backoff, backoffDelay, WATCH_RESTART_BACKOFF } from "../../../src/runtime/backoff.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";

describe("backoffDelay", () => {
  it.each([
    [0, 0, 800],
    [0, 0.5, 1200],
    [1, 0, 1600],
    [3, 0.99, 12_736],
    [5, 0, 25_600],
    [6, 0, 30_000],
    [6, 0.9, 30_000],
    [60, 0.5, 30_000],
  ])("attempt %i with random %f waits %i ms", (attempt, random, expected) => {
    expect(backoffDelay(attempt, WATCH_RESTART_BACKOFF, random)).toBe(expected);
  });
});

describe("Backoff", () => {
  it("grows with consecutive failures and starts over after a quiet period", async () => {
    const clock = new FakeClock();
    const backoff = new Backoff(clock, WATCH_RESTART_BACKOFF, () => 0);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([800, 1600, 3200]);
    await clock.advance(WATCH_RESTART_BACKOFF.resetAfterMs);
    expect(backoff.next()).toBe(800);
    backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(800);
  });
});
