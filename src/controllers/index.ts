import type { OperatorConfig } from "../config.ts";
import type { Logger } from "../observability/logger.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import type { Clock } from "../runtime/clock.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { ControllerModule } from "../operator/manager.ts";
import { createUpgradePlanController } from "./upgradeplan/index.ts";
import { createEtcdSnapshotPolicyController } from "./etcdsnapshotpolicy/controller.ts";
import { createCertRotationController } from "./certrotation/index.ts";

/** Everything a controller module is built from. */
export interface OperatorContext {
  port: KubePort;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  config: OperatorConfig;
}

export type ControllerFactory = (context: OperatorContext) => ControllerModule;

/** The controllers the operator runs, one factory per kind. */
export const CONTROLLER_FACTORIES: readonly ControllerFactory[] = [(context) => createEtcdSnapshotPolicyController(context), (context) => createUpgradePlanController(context), (context) => createCertRotationController(context)];
