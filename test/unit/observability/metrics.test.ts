import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { silentLogger } from "../../../src/observability/logger.ts";
import { apiRequestObserver, createMetrics, reconcileObserver } from "../../../src/observability/metrics.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import { Controller } from "../../../src/runtime/controller.ts";

describe("createMetrics", () => {
  it("registers every operator metric under the rke2_lifecycle_ prefix", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual(
      [
        "api_request_duration_seconds",
        "api_requests_total",
        "build_info",
        "certificate_expiry_timestamp_seconds",
        "condition",
        "disruption_lock_held",
        "leader",
        "reconcile_duration_seconds",
        "reconcile_errors_total",
        "reconcile_total",
        "restore_drill_failures_total",
        "restore_drill_last_success_timestamp_seconds",
        "snapshot_duration_seconds",
        "snapshot_failures_total",
        "snapshot_last_success_timestamp_seconds",
        "snapshots_not_verified",
        "upgrade_node_duration_seconds",
        "upgrade_nodes",
        "workqueue_depth",
      ].map((n) => `rke2_lifecycle_${n}`),
    );
  });

  it("build_info is 1 with the version of package.json and of Node.js as labels", async () => {
    const manifest = readFileSync(new URL("../../../package.json", import.meta.url), "utf8");
    const { version } = JSON.parse(manifest) as { version: string };
    const metrics = createMetrics({ defaultMetrics: false });
    const text = await metrics.registry.getSingleMetricAsString("rke2_lifecycle_build_info");
    expect(text).toContain(`rke2_lifecycle_build_info{version="${version}",node_version="${process.version}"} 1`);
    const pinned = createMetrics({ defaultMetrics: false, build: { version: "9.9.9", nodeVersion: "v0" } });
    const pinnedText = await pinned.registry.getSingleMetricAsString("rke2_lifecycle_build_info");
    expect(pinnedText).toContain('{version="9.9.9",node_version="v0"} 1');
  });

  it("includes process metrics by default", async () => {
    const text = await createMetrics().registry.metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("keeps registries apart, so tests and processes do not share state", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.leader.set(1);
    expect(await b.registry.getSingleMetricAsString("rke2_lifecycle_leader")).toMatch(/rke2_lifecycle_leader 0/);
  });
});

describe("reconcileObserver", () => {
  it("counts outcomes and errors, observes durations in seconds, and sets queue depth", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = reconcileObserver(metrics);
    observer.onReconcile("upgradeplan", 250, "success");
    observer.onReconcile("upgradeplan", 1500, "error");
    observer.onReconcile("upgradeplan", 10, "requeue");
    observer.onQueueDepth("upgradeplan", 4);
    const text = await metrics.registry.metrics();
    expect(text).toContain('rke2_lifecycle_reconcile_total{controller="upgradeplan",outcome="success"} 1');
    expect(text).toContain('rke2_lifecycle_reconcile_total{controller="upgradeplan",outcome="error"} 1');
    expect(text).toContain('rke2_lifecycle_reconcile_errors_total{controller="upgradeplan"} 1');
    expect(text).toContain('rke2_lifecycle_reconcile_duration_seconds_sum{controller="upgradeplan"} 1.76');
    expect(text).toContain('rke2_lifecycle_workqueue_depth{controller="upgradeplan"} 4');
  });
});

describe("reconcileObserver, series at zero", () => {
  it("creates a controller's error and outcome counters at 0 when it is built, before any reconcile", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    new Controller({
      name: "etcdsnapshotpolicy",
      reconcile: () => Promise.resolve(),
      clock: new FakeClock(),
      logger: silentLogger(),
      observer: reconcileObserver(metrics),
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain('rke2_lifecycle_reconcile_errors_total{controller="etcdsnapshotpolicy"} 0');
    expect(text).toContain('rke2_lifecycle_reconcile_total{controller="etcdsnapshotpolicy",outcome="error"} 0');
  });
});

describe("apiRequestObserver", () => {
  it("counts requests by verb and code", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observe = apiRequestObserver(metrics);
    observe({ verb: "get", method: "GET", path: "/api/v1/nodes/n1", code: 200, durationMs: 12 });
    observe({ verb: "get", method: "GET", path: "/api/v1/nodes/n2", code: 200, durationMs: 8 });
    observe({ verb: "evict", method: "POST", path: "/api/v1/namespaces/a/pods/p/eviction", code: 429, durationMs: 3 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('rke2_lifecycle_api_requests_total{verb="get",code="200"} 2');
    expect(text).toContain('rke2_lifecycle_api_requests_total{verb="evict",code="429"} 1');
    expect(text).not.toContain("/api/v1/nodes/n1");
  });
});
