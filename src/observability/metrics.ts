import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApiRequestRecord } from "../runtime/kube/http.ts";
import { buildInfo, type BuildInfo } from "../version.ts";
import { ScrapedGauge } from "./scraped-gauge.ts";

export const METRIC_PREFIX = "rke2_lifecycle_";

/**
 * Structurally identical to the interface in src/runtime/controller.ts (declared here so this
 * module does not depend on the runtime): the controller loop reports each reconcile and its
 * queue depth through it.
 */
export interface ReconcileObserver {
  onReconcile(controller: string, durationMs: number, outcome: "success" | "error" | "requeue"): void;
  onQueueDepth(controller: string, depth: number): void;
}

export interface OperatorMetrics {
  registry: Registry;
  reconcileTotal: Counter<"controller" | "outcome">;
  reconcileErrors: Counter<"controller">;
  reconcileDuration: Histogram<"controller">;
  queueDepth: Gauge<"controller">;
  apiRequests: Counter<"verb" | "code">;
  apiRequestDuration: Histogram<"verb">;
  /** Unix time of the policy's last successful snapshot. */
  snapshotLastSuccess: Gauge<"policy">;
  snapshotFailures: Counter<"policy">;
  /** Unix time the policy's last restore drill succeeded (spec.restoreDrill). */
  restoreDrillLastSuccess: Gauge<"policy">;
  restoreDrillFailures: Counter<"policy">;
  /** Copies of the policy's snapshots that failed the integrity check and still exist (status.notVerified). */
  snapshotsNotVerified: Gauge<"policy">;
  snapshotDuration: Histogram<"policy">;
  /** Unix time a certificate file on a node stops being valid. */
  /** Read from the certificate inventory cache at each scrape (certrotation/metrics.ts). */
  certificateExpiry: ScrapedGauge<"node" | "file">;
  /** Nodes of a plan per rollout state (pending, in-progress, done, failed). */
  upgradeNodes: Gauge<"plan" | "state">;
  upgradeNodeDuration: Histogram<"plan" | "tier">;
  disruptionLockHeld: Gauge;
  /** 1 for each condition's current status on each custom resource (what the shipped alerts read). */
  condition: Gauge<"kind" | "name" | "type" | "status">;
  /** 1 while this replica holds the leader Lease. */
  leader: Gauge;
  /** Always 1; its labels say which build runs (version, node_version). */
  buildInfo: Gauge<"version" | "node_version">;
}

export interface MetricsOptions {
  /** Process metrics (CPU, memory, event loop lag, GC); on by default. */
  defaultMetrics?: boolean;
  /** The build the `build_info` gauge names; this process's by default. */
  build?: BuildInfo;
}

/** A fresh registry with every metric of the operator; one per process (tests make their own). */
export function createMetrics(options: MetricsOptions = {}): OperatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const name = (suffix: string): string => `${METRIC_PREFIX}${suffix}`;
  const build = options.build ?? buildInfo();
  const buildInfoGauge = new Gauge({
    name: name("build_info"),
    help: "Always 1; the labels name the operator's version and the Node.js version running it.",
    labelNames: ["version", "node_version"],
    registers,
  });
  buildInfoGauge.set({ version: build.version, node_version: build.nodeVersion }, 1);

  return {
    registry,
    reconcileTotal: new Counter({
      name: name("reconcile_total"),
      help: "Reconciles run, by controller and outcome (success, error, requeue).",
      labelNames: ["controller", "outcome"],
      registers,
    }),
    reconcileErrors: new Counter({
      name: name("reconcile_errors_total"),
      help: "Reconciles that ended in an error, by controller.",
      labelNames: ["controller"],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: name("reconcile_duration_seconds"),
      help: "Time one reconcile took, by controller.",
      labelNames: ["controller"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    queueDepth: new Gauge({
      name: name("workqueue_depth"),
      help: "Keys waiting in a controller's work queue.",
      labelNames: ["controller"],
      registers,
    }),
    apiRequests: new Counter({
      name: name("api_requests_total"),
      help: "Requests to the Kubernetes API by verb and HTTP code (0 = no answer).",
      labelNames: ["verb", "code"],
      registers,
    }),
    apiRequestDuration: new Histogram({
      name: name("api_request_duration_seconds"),
      help: "Time to the API's answer (headers, for watches) by verb.",
      labelNames: ["verb"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    snapshotLastSuccess: new Gauge({
      name: name("snapshot_last_success_timestamp_seconds"),
      help: "Unix time of the last successful etcd snapshot of a policy.",
      labelNames: ["policy"],
      registers,
    }),
    restoreDrillLastSuccess: new Gauge({
      name: name("restore_drill_last_success_timestamp_seconds"),
      help: "Unix time the last restore drill of a policy succeeded (its newest verified snapshot restored and read).",
      labelNames: ["policy"],
      registers,
    }),
    restoreDrillFailures: new Counter({
      name: name("restore_drill_failures_total"),
      help: "Failed restore drills of a policy.",
      labelNames: ["policy"],
      registers,
    }),
    snapshotsNotVerified: new Gauge({
      name: name("snapshots_not_verified"),
      help:
        "Copies of a policy's etcd snapshots that failed the integrity check and still exist " +
        "(status.notVerified, at most 100).",
      labelNames: ["policy"],
      registers,
    }),
    snapshotFailures: new Counter({
      name: name("snapshot_failures_total"),
      help: "Failed etcd snapshots of a policy.",
      labelNames: ["policy"],
      registers,
    }),
    snapshotDuration: new Histogram({
      name: name("snapshot_duration_seconds"),
      help: "Time from starting an etcd snapshot to its result, by policy.",
      labelNames: ["policy"],
      buckets: [5, 10, 30, 60, 120, 300, 600, 1200, 1800],
      registers,
    }),
    certificateExpiry: new ScrapedGauge({
      name: name("certificate_expiry_timestamp_seconds"),
      help: "Unix time a certificate file on a node expires (notAfter).",
      labelNames: ["node", "file"],
      registers,
    }),
    upgradeNodes: new Gauge({
      name: name("upgrade_nodes"),
      help: "Nodes of an UpgradePlan per rollout state.",
      labelNames: ["plan", "state"],
      registers,
    }),
    upgradeNodeDuration: new Histogram({
      name: name("upgrade_node_duration_seconds"),
      help: "Time to upgrade one node, cordon to healthy, by plan and tier.",
      labelNames: ["plan", "tier"],
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600],
      registers,
    }),
    disruptionLockHeld: new Gauge({
      name: name("disruption_lock_held"),
      help: "1 while this operator holds the cluster-wide disruption lock.",
      registers,
    }),
    condition: new Gauge({
      name: name("condition"),
      help: "1 for the current status (True, False, Unknown) of each condition of each custom resource.",
      labelNames: ["kind", "name", "type", "status"],
      registers,
    }),
    leader: new Gauge({
      name: name("leader"),
      help: "1 while this replica is the leader.",
      registers,
    }),
    buildInfo: buildInfoGauge,
  };
}

const RECONCILE_OUTCOMES = ["success", "error", "requeue", "terminal"] as const;

/**
 * Feeds the controller loop's reports into the reconcile and queue metrics. A controller's
 * counters exist at 0 from its first report (its queue depth, when it is built), so `rate()` and
 * `increase()` in alerts see its first error as an increase.
 */
export function reconcileObserver(metrics: OperatorMetrics): ReconcileObserver {
  const known = new Set<string>();
  const startAtZero = (controller: string): void => {
    if (known.has(controller)) return;
    known.add(controller);
    metrics.reconcileErrors.inc({ controller }, 0);
    for (const outcome of RECONCILE_OUTCOMES) metrics.reconcileTotal.inc({ controller, outcome }, 0);
  };
  return {
    onReconcile(controller, durationMs, outcome) {
      startAtZero(controller);
      metrics.reconcileTotal.inc({ controller, outcome });
      if (outcome === "error") metrics.reconcileErrors.inc({ controller });
      metrics.reconcileDuration.observe({ controller }, durationMs / 1000);
    },
    onQueueDepth(controller, depth) {
      startAtZero(controller);
      metrics.queueDepth.set({ controller }, depth);
    },
  };
}

/** The adapter's `onRequest` hook: counts API calls without the adapter knowing prom-client. */
export function apiRequestObserver(metrics: OperatorMetrics): (record: ApiRequestRecord) => void {
  return (record) => {
    metrics.apiRequests.inc({ verb: record.verb, code: String(record.code) });
    metrics.apiRequestDuration.observe({ verb: record.verb }, record.durationMs / 1000);
  };
}
