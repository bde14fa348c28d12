/**
 * The operator as integration tests run it, on either lane: `runOperator`, the production entry
 * point, with leader election, every controller and the condition metrics, over the operator's
 * own client (`Sim.operatorPort`: the chart's ServiceAccount on the real lane). Tests choose only
 * the clock and the controllers' test knobs (short polls, a loopback S3 client).
 */
import { createCertRotationController } from "../../src/controllers/certrotation/index.ts";
import {
  createEtcdSnapshotPolicyController,
  type EtcdSnapshotPolicyOptions,
} from "../../src/controllers/etcdsnapshotpolicy/controller.ts";
import type { ControllerFactory } from "../../src/controllers/context.ts";
import { policyPreUpgradeSnapshots } from "../../src/controllers/index.ts";
import { createUpgradePlanController, type UpgradePlanOptions } from "../../src/controllers/upgradeplan/index.ts";
import { silentLogger } from "../../src/observability/logger.ts";
import { createMetrics, type OperatorMetrics } from "../../src/observability/metrics.ts";
import { runOperator } from "../../src/operator/run.ts";
import type { Clock } from "../../src/runtime/clock.ts";
import type { KubePort } from "../../src/runtime/kube/port.ts";
import { operatorConfig } from "./operator-config.ts";
import { waitFor } from "./sim-harness.ts";

/** Short polls, so a time-compressed cluster is not slowed down by the operator's own waits. */
export const FAST_UPGRADES: Omit<UpgradePlanOptions, "snapshots"> = {
  drainPollMs: 100,
  snapshotPollMs: 200,
  drainBackoff: { initialMs: 200, maxMs: 1000, factor: 2, jitter: 0, resetAfterMs: 60_000 },
};

type ControllerKind = "EtcdSnapshotPolicy" | "UpgradePlan" | "CertRotation";

export interface TestOperatorOptions {
  clock?: Clock;
  /**
   * Every controller by default, as in production. Only a test that plays another controller's
   * part itself (it holds the disruption lock in a CertRotation's name, say) leaves that one out.
   */
  controllers?: readonly ControllerKind[];
  upgradePlan?: Partial<UpgradePlanOptions>;
  etcdSnapshotPolicy?: EtcdSnapshotPolicyOptions;
}

export interface RunningOperator {
  metrics: OperatorMetrics;
  stop(): Promise<void>;
}

let instances = 0;
/** `operator.leaderElection.leaseName` in the chart's values. */
const CHART_LEASE_NAME = "rke2-lifecycle-operator";

/** Starts one replica and resolves once it leads with its caches synced (a restart is stop() and a new one). */
export async function startTestOperator(port: KubePort, options: TestOperatorOptions = {}): Promise<RunningOperator> {
  const metrics = createMetrics({ defaultMetrics: false });
  const all: Record<ControllerKind, ControllerFactory> = {
    EtcdSnapshotPolicy: (context) => createEtcdSnapshotPolicyController(context, options.etcdSnapshotPolicy ?? {}),
    UpgradePlan: (context) =>
      createUpgradePlanController(context, {
        ...FAST_UPGRADES,
        ...options.upgradePlan,
        snapshots: options.upgradePlan?.snapshots ?? policyPreUpgradeSnapshots(context),
      }),
    CertRotation: (context) => createCertRotationController(context),
  };
  const kinds = options.controllers ?? (Object.keys(all) as ControllerKind[]);
  const factories = kinds.map((kind) => all[kind]);
  // The chart's leader Lease: its RBAC grants get and update on that name only. A replica started
  // after one that was cut off (a killed port) waits out that one's lease, as in production.
  instances += 1;
  // Under a test's own clock (30 times faster for cron schedules) the default renew deadline is a
  // third of a real second, which a loaded CI machine can miss; such runs get longer lease timings.
  const leaseTimings = options.clock
    ? { leaseDurationSeconds: 600, renewDeadlineSeconds: 400, retryPeriodSeconds: 2 }
    : {};
  const config = { ...operatorConfig(), leaderElect: true, leaseName: CHART_LEASE_NAME, ...leaseTimings };
  const operator = await runOperator(config, {
    log: silentLogger(),
    port,
    metrics,
    factories,
    identity: `test-replica-${String(instances)}`,
    host: "127.0.0.1",
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await waitFor(() => operator.isLeader() && operator.readiness().ready, {
    timeoutMs: 40_000,
    what: "the operator to lead with synced caches",
  });
  return { metrics, stop: () => operator.stop() };
}
