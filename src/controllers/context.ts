import type { OperatorConfig } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import type { Clock } from "../runtime/clock.ts";
import type { ControllerModule } from "../runtime/controller-module.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { ResourceType } from "../runtime/kube/types.ts";
import { createRolloutCaches, type RolloutCaches } from "../rollout/informers.ts";
import { certRotationResource } from "../api/certrotation.ts";
import { upgradePlanResource } from "../api/upgradeplan.ts";

/** The kinds whose rollouts take nodes out of service, and so may hold the disruption lock. */
export const DISRUPTING_KINDS: readonly ResourceType[] = [upgradePlanResource, certRotationResource];

/** Everything a controller module is built from, for one leadership term. */
export interface OperatorContext {
  port: KubePort;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  config: OperatorConfig;
  /**
   * The rollout engine's caches, made on first use and shared by every controller built on the
   * engine (one watch per kind; each sees the others' claims). Informers cannot restart, so each
   * term gets a new context and a new set.
   */
  rolloutCaches(): RolloutCaches;
  /**
   * One value per term for `key`, made by `create` on first use: caches that controllers of
   * different kinds read (the snapshot caches the pre-upgrade snapshot shares with the
   * EtcdSnapshotPolicy controller), wired without the kinds importing each other.
   */
  shared<T>(key: SharedKey<T>, create: () => T): T;
}

/** Names one value shared within a term; `T` ties the key to the type of its value. */
export interface SharedKey<T> {
  readonly name: string;
  /** Never set: only there so that two keys of different value types are different types. */
  readonly valueType?: T;
}

/** A fresh context for one leadership term. */
export function termContext(base: Omit<OperatorContext, "rolloutCaches" | "shared">): OperatorContext {
  let caches: RolloutCaches | undefined;
  const shared = new Map<SharedKey<unknown>, unknown>();
  const { port, clock, log, config } = base;
  return {
    ...base,
    rolloutCaches: () =>
      (caches ??= createRolloutCaches({
        port,
        clock,
        log,
        namespace: config.namespace,
        jobNamespace: config.jobsNamespace,
      })),
    shared: <T>(key: SharedKey<T>, create: () => T): T => {
      if (!shared.has(key)) shared.set(key, create());
      return shared.get(key) as T;
    },
  };
}

export type ControllerFactory = (context: OperatorContext) => ControllerModule;
