/**
 * Wiring of the UpgradePlan controller: its informer, the rollout engine's shared caches, and the
 * keys their changes enqueue. A Node, a control-plane mirror pod or the disruption Lease changing
 * may complete a gate of any plan (there are few), so it wakes every plan; a Job wakes its owner.
 * A Node or pod update that changed nothing the engine caches (a heartbeat) wakes none. The
 * pre-upgrade snapshot's caches (the policy controller's, shared) wake the plan they concern.
 */
import { upgradePlanResource, type UpgradePlan } from "../../api/upgradeplan.ts";
import { OWNER_KIND_LABEL, OWNER_LABEL } from "../../nodeops/job.ts";
import { createEventRecorder, type EventRecorder } from "../../observability/events.ts";
import { reconcileObserver } from "../../observability/metrics.ts";
import type { ControllerModule } from "../../runtime/controller-module.ts";
import { RolloutEngine } from "../../rollout/engine.ts";
import { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import type { BackoffPolicy } from "../../runtime/backoff.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer, onlyResourceVersionChanged } from "../../runtime/informer.ts";
import { BlockerEvaluator } from "../blockers/evaluate.ts";
import { DISRUPTING_KINDS, type OperatorContext } from "../context.ts";
import { jsonEqual } from "../status.ts";
import { createHttpChannelResolver, type ChannelResolver } from "./channel.ts";
import { reconcileUpgradePlan } from "./reconciler.ts";
import type { PreUpgradeSnapshotSource } from "../pre-upgrade-snapshot.ts";
import { retryingSnapshots, takeFromSource } from "./snapshots.ts";
import { TargetResolver } from "./target.ts";

export const CONTROLLER_NAME = "upgradeplan";

export interface UpgradePlanOptions {
  channels?: ChannelResolver;
  /** The policy controller's part of the pre-upgrade snapshot: `policyPreUpgradeSnapshots` (controllers/index.ts). */
  snapshots: PreUpgradeSnapshotSource;
  events?: EventRecorder;
  /** Drain re-check interval; tests on a time-compressed cluster shorten it. Default 1 s. */
  drainPollMs?: number;
  /** Backoff between drain rounds a PodDisruptionBudget refused. Default 1 s doubling to 30 s. */
  drainBackoff?: BackoffPolicy;
  /**
   * Re-check interval of what no watch shows while the pre-upgrade snapshot is taken: a copy being
   * confirmed in the bucket, a failed storage check. Default 2 s. Everything else is event-driven.
   */
  snapshotPollMs?: number;
  /** How long one evaluation of a plan's blockers serves. Default 15 s. */
  blockerTtlMs?: number;
}

export function createUpgradePlanController(context: OperatorContext, options: UpgradePlanOptions): ControllerModule {
  const { port, clock, log, config, metrics } = context;
  const logger = log.child({ controller: CONTROLLER_NAME });
  const plans = new Informer<UpgradePlan>({ port, type: upgradePlanResource, clock, logger });
  const caches = context.rolloutCaches();
  const engine = new RolloutEngine({
    port,
    clock,
    log: logger,
    caches,
    lockHolderKinds: DISRUPTING_KINDS,
    ...(options.drainPollMs !== undefined ? { drainPollMs: options.drainPollMs } : {}),
    ...(options.drainBackoff !== undefined ? { drainBackoff: options.drainBackoff } : {}),
  });
  const snapshotPollMs = options.snapshotPollMs ?? 2000;
  const snapshots = retryingSnapshots(takeFromSource(options.snapshots, clock, snapshotPollMs), clock);
  const deps = {
    port,
    clock,
    metrics,
    events: options.events ?? createEventRecorder({ port, clock, log: logger }),
    plans: new StoreWithOwnWrites(plans, clock),
    engine,
    targets: new TargetResolver(options.channels ?? createHttpChannelResolver(), clock),
    snapshots,
    jobNamespace: config.jobsNamespace,
    blockers: new BlockerEvaluator({
      port,
      clock,
      secretNamespace: config.namespace,
      ...(options.blockerTtlMs !== undefined ? { ttlMs: options.blockerTtlMs } : {}),
    }),
  };
  const controller = new Controller({
    name: CONTROLLER_NAME,
    clock,
    logger: log, // the Controller adds its own `controller` binding
    concurrency: config.workers,
    observer: reconcileObserver(metrics),
    reconcile: (key, { log: keyLog }) => reconcileUpgradePlan(deps, key, keyLog),
  });

  const allPlans = (): string[] => plans.cache.keys();
  // Our own status writes change nothing we decide on: reacting to them would only reconcile twice.
  const enqueuePlan = (plan: UpgradePlan): void => {
    controller.queue.add(plan.metadata.name);
  };
  plans.addHandler({
    onAdd: enqueuePlan,
    onDelete: enqueuePlan,
    onUpdate: (previous, current) => {
      const { metadata: before } = previous;
      const { metadata: after } = current;
      const changed =
        before.generation !== after.generation ||
        before.deletionTimestamp !== after.deletionTimestamp ||
        !jsonEqual(before.annotations, after.annotations) ||
        !jsonEqual(before.labels, after.labels);
      if (changed) enqueuePlan(current);
    },
  });
  caches.jobs.addHandler(
    enqueueOnChange(controller.queue, (job) =>
      job.metadata.labels?.[OWNER_KIND_LABEL] === CONTROLLER_NAME ? job.metadata.labels[OWNER_LABEL] : undefined,
    ),
  );
  caches.nodes.addHandler(enqueueOnChange(controller.queue, allPlans, { skipUpdate: onlyResourceVersionChanged }));
  caches.mirrorPods.addHandler(enqueueOnChange(controller.queue, allPlans, { skipUpdate: onlyResourceVersionChanged }));
  caches.lease.addHandler(enqueueOnChange(controller.queue, allPlans));
  options.snapshots.onChange((plan) => {
    for (const key of plan === undefined ? allPlans() : [plan]) controller.queue.add(key);
  });

  return { name: CONTROLLER_NAME, informers: [plans, ...caches.informers, ...options.snapshots.informers], controller };
}
