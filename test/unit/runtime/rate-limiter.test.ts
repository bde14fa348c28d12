import { describe, expect, it } from "@jest/globals";
import { FakeClock } from "../../../src/runtime/clock.ts";
import {
  defaultControllerRateLimiter,
  ItemExponentialRateLimiter,
  MaxOfRateLimiter,
  TokenBucketRateLimiter,
} from "../../../src/runtime/rate-limiter.ts";

describe("ItemExponentialRateLimiter", () => {
  it.each([
    [1, 5],
    [2, 10],
    [3, 20],
    [10, 2560],
    [18, 655_360],
    [19, 1_000_000],
    [200, 1_000_000],
  ])("failure %i of a key waits %i ms", (failures, expectedMs) => {
    const limiter = new ItemExponentialRateLimiter(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < failures; i++) last = limiter.when("k");
    expect(last).toBe(expectedMs);
    expect(limiter.numRequeues("k")).toBe(failures);
  });

  it("keeps keys apart and starts over after forget", () => {
    const limiter = new ItemExponentialRateLimiter(5, 1000);
    limiter.when("a");
    limiter.when("a");
    expect(limiter.when("b")).toBe(5);
    expect(limiter.when("a")).toBe(20);
    limiter.forget("a");
    expect(limiter.numRequeues("a")).toBe(0);
    expect(limiter.when("a")).toBe(5);
  });
});

describe("TokenBucketRateLimiter", () => {
  it("lets a burst through, then spaces requests by 1/qps", () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter(clock, 10, 3);
    expect([limiter.when("a"), limiter.when("b"), limiter.when("c")]).toEqual([0, 0, 0]);
    expect(limiter.when("d")).toBe(100);
    expect(limiter.when("e")).toBe(200);
  });

  it("refills with time, never above the burst", async () => {
    const clock = new FakeClock();
    const limiter = new TokenBucketRateLimiter(clock, 10, 2);
    limiter.when("a");
    limiter.when("b");
    await clock.advance(10_000);
    expect([limiter.when("c"), limiter.when("d"), limiter.when("e")]).toEqual([0, 0, 100]);
  });
});

describe("defaultControllerRateLimiter", () => {
  it("is the max of per-key backoff and the global bucket", () => {
    const clock = new FakeClock();
    const limiter = defaultControllerRateLimiter(clock);
    // 100 distinct keys use the burst; each waits its own 5 ms backoff.
    for (let i = 0; i < 100; i++) expect(limiter.when(`k${i}`)).toBe(5);
    // The 101st key finds the bucket empty: 100 ms at 10 qps beats its 5 ms backoff.
    expect(limiter.when("k100")).toBe(100);
  });

  it("MaxOf reports the largest requeue count and forgets in every limiter", () => {
    const a = new ItemExponentialRateLimiter(1, 100);
    const b = new ItemExponentialRateLimiter(2, 100);
    const limiter = new MaxOfRateLimiter(a, b);
    expect(limiter.when("k")).toBe(2);
    expect(limiter.when("k")).toBe(4);
    expect(limiter.numRequeues("k")).toBe(2);
    limiter.forget("k");
    expect(a.numRequeues("k") + b.numRequeues("k")).toBe(0);
  });
});
