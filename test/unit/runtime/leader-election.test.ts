import { describe, expect, it } from "@jest/globals";
import { FakeClock, flushMicrotasks, sleepWith, type Clock } from "../../../src/runtime/clock.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { FencedError, fencedPort } from "../../../src/runtime/kube/fenced-port.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import type { ResourceType } from "../../../src/runtime/kube/types.ts";
import { LeaderElector } from "../../../src/runtime/leader-election.ts";
import { LEASE_RESOURCE, microTime, type Lease } from "../../../src/runtime/lease.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const CONFIG_MAP: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

const configMap = (name: string) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "ops" } });

/** A process's view of a shared fake clock that can be frozen: its timers wait for the thaw, time does not. */
class FreezableClock implements Clock {
  private frozen = false;
  private held: (() => void)[] = [];
  private readonly base: FakeClock;
  constructor(base: FakeClock) {
    this.base = base;
  }
  now(): number {
    return this.base.now();
  }
  setTimer(ms: number, fn: () => void): () => void {
    return this.base.setTimer(ms, () => {
      if (this.frozen) this.held.push(fn);
      else fn();
    });
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
  freeze(): void {
    this.frozen = true;
  }
  thaw(): void {
    this.frozen = false;
    for (const fn of this.held.splice(0)) fn();
  }
}

/** A view of the port that fails every call while `cut()` is true: a partitioned replica. */
function partitionable(port: MemoryKubePort, cut: () => boolean): KubePort {
  return new Proxy(port, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]): unknown =>
        cut()
          ? Promise.reject(new KubeError("Retriable", "network partition", { code: 0 }))
          : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}

function setup() {
  const clock = new FakeClock();
  const port = new MemoryKubePort({ clock });
  const log: string[] = [];
  const signals = new Map<string, AbortSignal>();
  const partitioned = new Set<string>();
  const candidate = (identity: string) =>
    new LeaderElector({
      port: partitionable(port, () => partitioned.has(identity)),
      clock,
      logger: silentLogger(),
      namespace: "ops",
      leaseName: "operator",
      identity,
      random: () => 0,
      onStartedLeading: (signal) => {
        log.push(`${identity} started`);
        signals.set(identity, signal);
      },
      onStoppedLeading: () => {
        log.push(`${identity} stopped`);
      },
    });
  const lease = async () => (await port.get<Lease>(LEASE_RESOURCE, "operator", "ops"))?.spec;
  return { clock, port, log, signals, partitioned, candidate, lease };
}

describe("LeaderElector", () => {
  it("acquires an absent lease and renews it every retry period", async () => {
    const { clock, log, candidate, lease } = setup();
    const a = candidate("a");
    void a.start();
    await flushMicrotasks();
    expect(a.isLeader()).toBe(true);
    expect(log).toEqual(["a started"]);
    expect(await lease()).toEqual({
      holderIdentity: "a",
      leaseDurationSeconds: 15,
      acquireTime: microTime(clock.now()),
      renewTime: microTime(clock.now()),
      leaseTransitions: 0,
    });
    const acquiredAt = clock.now();
    await clock.advance(60_000);
    expect(a.isLeader()).toBe(true);
    expect((await lease())?.renewTime).toBe(microTime(acquiredAt + 60_000));
    expect((await lease())?.acquireTime).toBe(microTime(acquiredAt));
    await a.stop();
  });

  it("a second candidate waits while the holder renews", async () => {
    const { clock, candidate, lease } = setup();
    const a = candidate("a");
    const b = candidate("b");
    void a.start();
    await flushMicrotasks();
    void b.start();
    await clock.advance(120_000);
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.leader()).toBe("a");
    expect((await lease())?.leaseTransitions).toBe(0);
    await a.stop();
    await b.stop();
  });

  it("the holder gives up, fenced at the renew deadline; a candidate takes over after the lease it saw", async () => {
    const { clock, port, log, signals, partitioned, candidate, lease } = setup();
    const a = candidate("a");
    const b = candidate("b");
    void a.start();
    await flushMicrotasks();
    void b.start();
    await clock.advance(10_000);
    const lastRenewal = clock.now(); // a renews at every even second
    partitioned.add("a");
    // Renewals fail from now on; it gives up a renew deadline after its last successful one began,
    // and the fence refuses writes from that instant.
    const fenced = fencedPort(port, a);
    await clock.advance(10_000 - 1);
    expect(a.isLeader()).toBe(true);
    await fenced.create(CONFIG_MAP, configMap("before-the-deadline"));
    await clock.advance(1);
    expect(a.isLeader()).toBe(false);
    expect(signals.get("a")?.aborted).toBe(true);
    await expect(fenced.create(CONFIG_MAP, configMap("after"))).rejects.toBeInstanceOf(FencedError);
    expect(await port.get(CONFIG_MAP, "after", "ops")).toBeUndefined();
    // b saw the record change at lastRenewal; it may take the lease 15 s later, not before.
    await clock.advance(lastRenewal + 15_000 - clock.now() - 1);
    expect(b.isLeader()).toBe(false);
    await clock.advance(2_001);
    expect(b.isLeader()).toBe(true);
    expect(log).toEqual(["a started", "a stopped", "b started"]);
    expect(await lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    await b.stop();
    partitioned.delete("a");
    await a.stop();
  });

  it("stops leading at once when it sees the lease held by another identity", async () => {
    const { clock, port, candidate } = setup();
    const a = candidate("a");
    void a.start();
    await flushMicrotasks();
    await port.mergePatch(LEASE_RESOURCE, "operator", { spec: { holderIdentity: "intruder" } }, "ops");
    await clock.advance(2_000);
    expect(a.isLeader()).toBe(false);
    expect(a.leader()).toBe("intruder");
    await a.stop();
    // It does not release a lease it no longer holds.
    expect((await port.get<Lease>(LEASE_RESOURCE, "operator", "ops"))?.spec?.holderIdentity).toBe("intruder");
  });

  it("releases on stop after onStoppedLeading, so a waiting candidate takes over at its next retry", async () => {
    const { clock, log, signals, candidate, lease } = setup();
    const a = candidate("a");
    const b = candidate("b");
    void a.start();
    await flushMicrotasks();
    void b.start();
    await clock.advance(30_000);
    await a.stop();
    expect(signals.get("a")?.aborted).toBe(true);
    expect(await lease()).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    await clock.advance(2_000);
    expect(b.isLeader()).toBe(true);
    expect(log).toEqual(["a started", "a stopped", "b started"]);
    expect(await lease()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    await b.stop();
  });

  it("a candidate stopped before winning never calls the callbacks", async () => {
    const { clock, log, candidate } = setup();
    const a = candidate("a");
    void a.start();
    await flushMicrotasks();
    const b = candidate("b");
    void b.start();
    await clock.advance(4_000);
    await b.stop();
    expect(log).toEqual(["a started"]);
    await a.stop();
  });

  it("a leader frozen past its lease is fenced on waking, before its timers run, and then writes nothing", async () => {
    const { clock, port, log, signals, candidate, lease } = setup();
    const frozenClock = new FreezableClock(clock);
    const writesOfA: string[] = [];
    let thawedAt = Number.POSITIVE_INFINITY;
    const portOfA = new Proxy(port, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]): unknown => {
          if (frozenClock.now() > thawedAt && !["get", "list", "watch"].includes(String(property)))
            writesOfA.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const a = new LeaderElector({
      port: portOfA,
      clock: frozenClock,
      logger: silentLogger(),
      namespace: "ops",
      leaseName: "operator",
      identity: "a",
      random: () => 0,
      onStartedLeading: (signal) => {
        log.push("a started");
        signals.set("a", signal);
      },
      onStoppedLeading: () => {
        log.push("a stopped");
      },
    });
    const b = candidate("b");
    void a.start();
    await flushMicrotasks();
    void b.start();
    await clock.advance(10_001);
    frozenClock.freeze();
    await clock.advance(25_000);
    expect(b.isLeader()).toBe(true);
    // Awake, before any of its timers fires: the clock alone says it may no longer lead.
    thawedAt = clock.now();
    expect(signals.get("a")?.aborted).toBe(false);
    expect(a.isLeader()).toBe(false);
    await expect(fencedPort(portOfA, a).mergePatch(CONFIG_MAP, "x", {}, "ops")).rejects.toBeInstanceOf(FencedError);
    frozenClock.thaw();
    await clock.advance(2_000);
    expect(signals.get("a")?.aborted).toBe(true);
    expect(log).toEqual(["a started", "b started", "a stopped"]);
    // Not even its lease: it neither renews nor releases a record it can no longer trust.
    expect(writesOfA).toEqual([]);
    expect(await lease()).toMatchObject({ holderIdentity: "b" });
    await a.stop();
    await b.stop();
  });

  it("a wall-clock step (NTP, a jump) neither ends leadership nor fences writes: monotonic durations", async () => {
    const { clock, port, lease } = setup();
    let step = 0;
    const stepped: Clock = {
      now: () => clock.now() + step,
      monotonic: () => clock.now(),
      setTimer: (ms, fn) => clock.setTimer(ms, fn),
      sleep: (ms, signal) => sleepWith(stepped, ms, signal),
    };
    const a = new LeaderElector({
      port,
      clock: stepped,
      logger: silentLogger(),
      namespace: "ops",
      leaseName: "operator",
      identity: "a",
      random: () => 0,
      onStartedLeading: () => undefined,
    });
    void a.start();
    await flushMicrotasks();
    step = 24 * 3600_000;
    expect(a.isLeader()).toBe(true);
    await clock.advance(30_000);
    expect(a.isLeader()).toBe(true);
    expect((await lease())?.renewTime).toBe(microTime(clock.now() + step));
    await a.stop();
  });
});
