import { describe, expect, it } from "@jest/globals";
import { parseOperatorConfig, type OperatorConfig } from "../../../src/config.ts";
import type { OperatorContext } from "../../../src/controllers/context.ts";
import type { ControllerModule } from "../../../src/runtime/controller-module.ts";
import { runOperator } from "../../../src/operator/run.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import { Controller } from "../../../src/runtime/controller.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { FencedError } from "../../../src/runtime/kube/fenced-port.ts";
import { LEASE_RESOURCE, microTime, type Lease } from "../../../src/runtime/lease.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const CONFIG_MAP: ResourceType = { apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true };

function config(extra: string[] = []): OperatorConfig {
  const parsed = parseOperatorConfig(["--namespace", "ops", "--listen-port", "1", ...extra], {}, () => undefined);
  if (!parsed.ok) throw new Error(parsed.error);
  return { ...parsed.config, listenPort: 0 };
}

async function getText(port: number, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe("runOperator", () => {
  it("leads through the Lease, starts controllers once caches sync, and releases the Lease on stop", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const log = silentLogger();
    const reconciled: string[] = [];
    const factory = (): ControllerModule => {
      const informer = new Informer<KubeObject>({ port, type: CONFIG_MAP, clock, logger: log });
      const controller = new Controller({
        name: "configmaps",
        clock,
        logger: log,
        reconcile: (key) => {
          reconciled.push(key);
          return Promise.resolve();
        },
      });
      informer.addHandler({
        onAdd: (object) => {
          controller.queue.add(object.metadata.name);
        },
      });
      return { name: "configmaps", informers: [informer], controller };
    };
    await port.create(CONFIG_MAP, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "seen", namespace: "ops" },
    });

    const operator = await runOperator(config(), {
      log,
      clock,
      port,
      metrics: createMetrics({ defaultMetrics: false }),
      factories: [factory],
      identity: "replica-a",
      host: "127.0.0.1",
    });
    await clock.advance(100);
    expect(operator.isLeader()).toBe(true);
    expect(reconciled).toEqual(["seen"]);
    expect(operator.readiness()).toEqual({ ready: true });
    expect(await getText(operator.port, "/readyz")).toEqual({ status: 200, body: "ok\n" });
    expect((await getText(operator.port, "/metrics")).body).toMatch(/^rke2_lifecycle_leader 1$/m);

    const lease = await port.get<Lease>(LEASE_RESOURCE, "rke2-lifecycle-operator", "ops");
    expect(lease?.spec?.holderIdentity).toBe("replica-a");

    await operator.stop();
    expect(await operator.finished).toBe("stopped");
    const released = await port.get<Lease>(LEASE_RESOURCE, "rke2-lifecycle-operator", "ops");
    expect(released?.spec?.holderIdentity ?? "").toBe("");
  });

  it("a standby campaigns, reports ready, and does not act while another replica holds the Lease", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const now = microTime(clock.now());
    await port.create<Lease>(LEASE_RESOURCE, {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "rke2-lifecycle-operator", namespace: "ops" },
      spec: { holderIdentity: "replica-a", leaseDurationSeconds: 15, renewTime: now, acquireTime: now },
    });
    let built = 0;
    const factory = (): ControllerModule => {
      built++;
      throw new Error("a standby must not build controllers");
    };
    const operator = await runOperator(config(), {
      log: silentLogger(),
      clock,
      port,
      metrics: createMetrics({ defaultMetrics: false }),
      factories: [factory],
      identity: "replica-b",
      host: "127.0.0.1",
    });
    await clock.advance(5_000);
    expect(operator.isLeader()).toBe(false);
    expect(built).toBe(0);
    expect(operator.readiness().ready).toBe(true);
    await operator.stop();
    expect(await operator.finished).toBe("stopped");
  });

  it("without leader election it acts at once and reports not-ready until caches sync", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const log = silentLogger();
    port.failNext("list", new KubeError("Retriable", "api down", { code: 503 }));
    const factory = (): ControllerModule => ({
      name: "configmaps",
      informers: [new Informer<KubeObject>({ port, type: CONFIG_MAP, clock, logger: log })],
      controller: new Controller({ name: "configmaps", clock, logger: log, reconcile: () => Promise.resolve() }),
    });
    const operator = await runOperator(config(["--no-leader-elect"]), {
      log,
      clock,
      port,
      metrics: createMetrics({ defaultMetrics: false }),
      factories: [factory],
      host: "127.0.0.1",
    });
    expect(operator.readiness()).toEqual({ ready: false, reason: "caches not synced: configmaps" });
    await clock.advance(60_000);
    expect(operator.readiness()).toEqual({ ready: true });
    await operator.stop();
    expect(await operator.finished).toBe("stopped");
  });

  it("settles as lost-lease when another replica takes the Lease, so main exits and the pod restarts", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const operator = await runOperator(config(), {
      log: silentLogger(),
      clock,
      port,
      metrics: createMetrics({ defaultMetrics: false }),
      factories: [],
      identity: "replica-a",
      host: "127.0.0.1",
    });
    await clock.advance(100);
    expect(operator.isLeader()).toBe(true);
    const lease = await port.get<Lease>(LEASE_RESOURCE, "rke2-lifecycle-operator", "ops");
    await port.replace<Lease>(LEASE_RESOURCE, { ...lease!, spec: { ...lease!.spec, holderIdentity: "replica-z" } });
    await clock.advance(5_000);
    expect(operator.isLeader()).toBe(false);
    expect(await operator.finished).toBe("lost-lease");
    await operator.stop();
  });

  it("lease lost mid-round: the in-flight reconcile is aborted and its next write refused by the fence", async () => {
    const clock = new FakeClock();
    const port = new MemoryKubePort({ clock });
    const log = silentLogger();
    const release = Promise.withResolvers<undefined>();
    const seen: { signal?: AbortSignal; write?: unknown } = {};
    const factory = (context: OperatorContext): ControllerModule => {
      const informer = new Informer<KubeObject>({ port, type: CONFIG_MAP, clock, logger: log });
      const controller = new Controller({
        name: "configmaps",
        clock,
        logger: log,
        reconcile: async (_key, { signal }) => {
          seen.signal = signal;
          await release.promise;
          const copy = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "written-late", namespace: "ops" } };
          seen.write = await context.port.create(CONFIG_MAP, copy).catch((err: unknown) => err);
        },
      });
      informer.addHandler({
        onAdd: (object) => {
          controller.queue.add(object.metadata.name);
        },
      });
      return { name: "configmaps", informers: [informer], controller };
    };
    await port.create(CONFIG_MAP, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "seen", namespace: "ops" },
    });
    const operator = await runOperator(config(), {
      log,
      clock,
      port,
      metrics: createMetrics({ defaultMetrics: false }),
      factories: [factory],
      identity: "replica-a",
      host: "127.0.0.1",
    });
    await clock.advance(100);
    expect(seen.signal?.aborted).toBe(false);
    const lease = await port.get<Lease>(LEASE_RESOURCE, "rke2-lifecycle-operator", "ops");
    await port.replace<Lease>(LEASE_RESOURCE, { ...lease!, spec: { ...lease!.spec, holderIdentity: "replica-z" } });
    await clock.advance(2_000);
    expect(operator.isLeader()).toBe(false);
    expect(seen.signal?.aborted).toBe(true);
    release.resolve(undefined);
    expect(await operator.finished).toBe("lost-lease");
    expect(seen.write).toBeInstanceOf(FencedError);
    expect(await port.get(CONFIG_MAP, "written-late", "ops")).toBeUndefined();
    await operator.stop();
  });
});
