import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { ItemExponentialRateLimiter } from "../../../src/runtime/rate-limiter.ts";
import { WorkQueue } from "../../../src/runtime/workqueue.ts";

function newQueue(clock = new FakeClock()): { queue: WorkQueue; clock: FakeClock } {
  return { queue: new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) }), clock };
}

async function drainReady(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key === undefined) break;
    keys.push(key);
  }
  return keys;
}

describe("WorkQueue", () => {
  it("hands keys out in order, each once however often it was added", async () => {
    const { queue } = newQueue();
    for (const key of ["a", "b", "a", "c", "b"]) queue.add(key);
    expect(queue.len()).toBe(3);
    expect(await drainReady(queue)).toEqual(["a", "b", "c"]);
  });

  it("get waits for the next key", async () => {
    const { queue } = newQueue();
    const next = queue.get();
    queue.add("x");
    expect(await next).toBe("x");
  });

  it("never hands out a key being processed; re-queues it on done if it was added meanwhile", async () => {
    const { queue } = newQueue();
    queue.add("a");
    expect(await queue.get()).toBe("a");
    queue.add("a");
    queue.add("a");
    expect(queue.len()).toBe(0);
    queue.done("a");
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe("a");
    queue.done("a");
    expect(queue.len()).toBe(0);
  });

  it("addAfter fires on the clock, earliest first, and the earliest delay wins for one key", async () => {
    const { queue, clock } = newQueue();
    queue.addAfter("late", 300);
    queue.addAfter("early", 100);
    queue.addAfter("twice", 500);
    queue.addAfter("twice", 200);
    queue.addAfter("twice", 400);
    await clock.advance(99);
    expect(queue.len()).toBe(0);
    await clock.advance(1);
    expect(await drainReady(queue)).toEqual(["early"]);
    await clock.advance(100);
    expect(await drainReady(queue)).toEqual(["twice"]);
    await clock.advance(100);
    expect(await drainReady(queue)).toEqual(["late"]);
    await clock.advance(1000);
    expect(queue.len()).toBe(0);
  });

  it("addAfter does not trust an earlier pending delay whose time passed when the clock stepped forward", () => {
    // Timers count real time; this clock's reading jumps without firing them.
    let now = 0;
    const timers: { ms: number; fire: () => void }[] = [];
    const clock = {
      now: () => now,
      setTimer: (ms: number, fire: () => void) => {
        timers.push({ ms, fire });
        return () => undefined;
      },
      sleep: () => Promise.resolve(),
    };
    const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter(5, 1000) });
    queue.addAfter("plan", 86_400_000);
    now = 86_400_000 + 5_000;
    queue.addAfter("plan", 300);
    expect(timers.map((timer) => timer.ms)).toEqual([86_400_000, 300]);
    timers[1]?.fire();
    expect(queue.len()).toBe(1);
  });

  it("addAfter with no delay adds at once", async () => {
    const { queue } = newQueue();
    queue.addAfter("now", 0);
    expect(await queue.get()).toBe("now");
  });

  it("addRateLimited backs off exponentially per key until forget", async () => {
    const { queue, clock } = newQueue();
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const start = clock.now();
      queue.addRateLimited("k");
      while (queue.len() === 0) await clock.advance(1);
      delays.push(clock.now() - start);
      await queue.get();
      queue.done("k");
    }
    expect(delays).toEqual([5, 10, 20, 40]);
    expect(queue.numRequeues("k")).toBe(4);
    queue.forget("k");
    expect(queue.numRequeues("k")).toBe(0);
  });

  it("reports its depth as it changes", async () => {
    const depths: number[] = [];
    const queue = new WorkQueue({ clock: new FakeClock(), onDepthChange: (d) => depths.push(d) });
    queue.add("a");
    queue.add("b");
    await queue.get();
    expect(depths).toEqual([1, 2, 1]);
  });

  it("shutDown resolves waiting and later gets with undefined and ignores new keys", async () => {
    const { queue, clock } = newQueue();
    const waiting = queue.get();
    queue.addAfter("delayed", 10);
    queue.shutDown();
    expect(await waiting).toBeUndefined();
    queue.add("x");
    await clock.advance(100);
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("shutDownWithDrain resolves only when every handed-out key is done", async () => {
    const { queue } = newQueue();
    queue.add("a");
    queue.add("b");
    await queue.get();
    await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    queue.done("a");
    await flushMicrotasks();
    expect(drained).toBe(false);
    queue.done("b");
    await drain;
    expect(drained).toBe(true);
    expect(queue.inFlight()).toBe(0);
  });

  it("property: no key is ever handed to two workers at once, and no added key is lost", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), key: fc.constantFrom("a", "b", "c") }),
      fc.record({ kind: fc.constant("get" as const) }),
      fc.record({ kind: fc.constant("done" as const), index: fc.nat(5) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const { queue } = newQueue();
        const held: string[] = [];
        const addedSinceTaken = new Set<string>();
        for (const step of ops) {
          if (step.kind === "add") {
            queue.add(step.key);
            addedSinceTaken.add(step.key);
          } else if (step.kind === "get") {
            if (queue.len() === 0) continue;
            const key = await queue.get();
            if (key === undefined) throw new Error("queue handed out nothing although keys were ready");
            if (held.includes(key)) throw new Error(`key ${key} handed out twice at once`);
            held.push(key);
            addedSinceTaken.delete(key);
          } else if (held.length > 0) {
            const [key] = held.splice(step.index % held.length, 1);
            queue.done(key!);
          }
        }
        // Finish everything: every key added after it was last taken must come out again.
        for (const key of held.splice(0)) queue.done(key);
        const rest = await drainReady(queue);
        expect(new Set(rest)).toEqual(addedSinceTaken);
        expect(rest.length).toBe(addedSinceTaken.size);
      }),
    );
  });
});
