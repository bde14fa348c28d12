import type { OperatorConfig } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import type { Clock } from "../runtime/clock.ts";
import type { ControllerModule } from "../runtime/controller-module.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { ResourceType } from "../runtime/kube/types.ts";
import { certRotationResource } from "../api/certrotation.ts";
import { upgradePlanResource } from "../api/upgradeplan.ts";

/** The kinds whose rollouts take nodes out of service, and so may hold the disruption lock. */
export const DISRUPTING_KINDS: readonly ResourceType[] = [upgradePlanResource, certRotationResource];

/** Everything a controller module is built from. */
export interface OperatorContext {
  port: KubePort;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  config: OperatorConfig;
}

export type ControllerFactory = (context: OperatorContext) => ControllerModule;
