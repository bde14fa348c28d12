import { describe, expect, it } from "@jest/globals";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import {
  Controller,
  TerminalError,
  type ReconcileFunction,
  type ReconcileObserver,
  type ReconcileOutcome,
} from "../../../src/runtime/controller.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { silentLogger } from "../../../src/observability/logger.ts";

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function newController(reconcile: ReconcileFunction, concurrency = 1, observer?: ReconcileObserver) {
  const clock = new FakeClock();
  const controller = new Controller({
    name: "test",
    reconcile,
    clock,
    logger: silentLogger(),
    concurrency,
    ...(observer ? { observer } : {}),
  });
  return { clock, controller };
}

describe("Controller", () => {
  it("runs keys in parallel across workers but never one key twice at once", async () => {
    const active = new Set<string>();
    let maxParallel = 0;
    const gates: Deferred[] = [];
    const calls: string[] = [];
    const { controller } = newController(async (key) => {
      if (active.has(key)) throw new Error(`${key} reconciled twice at once`);
      active.add(key);
      calls.push(key);
      maxParallel = Math.max(maxParallel, active.size);
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      active.delete(key);
    }, 3);
    controller.start();
    for (const key of ["a", "b", "c", "a", "a", "b"]) controller.queue.add(key);
    await flushMicrotasks();
    expect(calls).toEqual(["a", "b", "c"]);
    expect(maxParallel).toBe(3);
    // "a" and "b" were added again while in flight: each runs once more after it finishes.
    for (const gate of gates.splice(0)) gate.resolve();
    await flushMicrotasks();
    expect(calls.slice(3).sort()).toEqual(["a", "b"]);
    for (const gate of gates.splice(0)) gate.resolve();
    await controller.stop();
    expect(calls).toHaveLength(5);
  });

  it("retries a failing key with growing backoff, then forgets its failures on success", async () => {
    const times: number[] = [];
    let failuresLeft = 3;
    const { clock, controller } = newController(() => {
      times.push(clock.now());
      if (failuresLeft-- > 0) return Promise.reject(new KubeError("Retriable", "boom", { code: 500 }));
      return Promise.resolve();
    });
    controller.start();
    const start = clock.now();
    controller.queue.add("k");
    await clock.advance(1000);
    expect(times.map((t) => t - start)).toEqual([0, 5, 15, 35]);
    expect(controller.queue.numRequeues("k")).toBe(0);
    await controller.stop();
  });

  it("honours requeueAfterMs", async () => {
    const times: number[] = [];
    const { clock, controller } = newController(() => {
      times.push(clock.now());
      return Promise.resolve(times.length === 1 ? { requeueAfterMs: 30_000 } : undefined);
    });
    controller.start();
    const start = clock.now();
    controller.queue.add("k");
    await clock.advance(29_999);
    expect(times).toHaveLength(1);
    await clock.advance(1);
    expect(times.map((t) => t - start)).toEqual([0, 30_000]);
    await clock.advance(3_600_000);
    expect(times).toHaveLength(2);
    await controller.stop();
  });

  it.each<[string, Error]>([
    ["a terminal KubeError", new KubeError("Invalid", "spec.x: bad", { code: 422 })],
    ["a TerminalError", new TerminalError("cron expression is invalid")],
  ])("does not retry %s", async (_name, error) => {
    let calls = 0;
    const { clock, controller } = newController(() => {
      calls++;
      return Promise.reject(error);
    });
    controller.start();
    controller.queue.add("k");
    await clock.advance(10_000_000);
    expect(calls).toBe(1);
    expect(controller.queue.numRequeues("k")).toBe(0);
    await controller.stop();
  });

  it("stop waits for in-flight reconciles and takes no new keys", async () => {
    const gate = deferred();
    const calls: string[] = [];
    let signal: AbortSignal | undefined;
    const { controller } = newController(async (key, context) => {
      calls.push(key);
      signal = context.signal;
      await gate.promise;
    });
    controller.start();
    controller.queue.add("a");
    controller.queue.add("b");
    await flushMicrotasks();
    let stopped = false;
    const stopping = controller.stop().then(() => {
      stopped = true;
    });
    await flushMicrotasks();
    expect(stopped).toBe(false);
    expect(signal?.aborted).toBe(false);
    gate.resolve();
    await stopping;
    expect(calls).toEqual(["a"]);
  });

  it("stop without drain aborts the reconcile's signal", async () => {
    const { controller } = newController(async (_key, context) => {
      await new Promise<void>((resolve) => {
        context.signal.addEventListener("abort", () => {
          resolve();
        });
      });
    });
    controller.start();
    controller.queue.add("a");
    await flushMicrotasks();
    await controller.stop({ drain: false });
    expect(controller.queue.inFlight()).toBe(0);
  });

  it("tells the observer each outcome and the queue depth, and survives a throwing observer", async () => {
    const outcomes: ReconcileOutcome[] = [];
    const depths: number[] = [];
    const results: (() => Promise<{ requeueAfterMs: number } | undefined>)[] = [
      () => Promise.resolve(undefined),
      () => Promise.resolve({ requeueAfterMs: 10 }),
      () => Promise.reject(new Error("transient")),
      () => Promise.reject(new TerminalError("bad")),
    ];
    const { clock, controller } = newController((key) => results[Number(key)]!(), 1, {
      onReconcile: (name, durationMs, outcome) => {
        expect(name).toBe("test");
        expect(durationMs).toBeGreaterThanOrEqual(0);
        outcomes.push(outcome);
        throw new Error("metrics broke");
      },
      onQueueDepth: (_name, depth) => depths.push(depth),
    });
    controller.start();
    for (const key of ["0", "1", "2", "3"]) controller.queue.add(key);
    await clock.advance(1);
    expect(outcomes.slice(0, 4)).toEqual(["success", "requeue", "error", "terminal"]);
    // Built: depth 0 (so metrics start at zero). The idle worker takes "0" at once; the other three wait behind it.
    expect(depths.slice(0, 5)).toEqual([0, 0, 1, 2, 3]);
    await controller.stop();
  });
});
