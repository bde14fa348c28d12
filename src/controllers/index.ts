/**
 * Where the controllers are put together: the one file of src/controllers that imports the kinds'
 * folders, so that the kinds never import each other (eslint.boundaries.mjs).
 */
import type { ControllerFactory, OperatorContext } from "./context.ts";
import { createCertRotationController } from "./certrotation/index.ts";
import { createEtcdSnapshotPolicyController } from "./etcdsnapshotpolicy/controller.ts";
import { ensurePreUpgradeSnapshot } from "./etcdsnapshotpolicy/pre-upgrade.ts";
import { createUpgradePlanController } from "./upgradeplan/index.ts";
import { retryingSnapshots, type PreUpgradeSnapshots } from "./upgradeplan/snapshots.ts";

/** The UpgradePlan controller's pre-upgrade snapshot, taken by the EtcdSnapshotPolicy controller's code. */
export function policyPreUpgradeSnapshots(context: OperatorContext): PreUpgradeSnapshots {
  const { port, clock, config } = context;
  const deps = {
    port,
    clock,
    config: { namespace: config.namespace, jobsNamespace: config.jobsNamespace, nodeAgentImage: config.nodeAgentImage },
  };
  return retryingSnapshots((attempt) => ensurePreUpgradeSnapshot(deps, attempt), clock);
}

/** The controllers the operator runs, one factory per kind. */
export const CONTROLLER_FACTORIES: readonly ControllerFactory[] = [
  (context) => createEtcdSnapshotPolicyController(context),
  (context) => createUpgradePlanController(context, { snapshots: policyPreUpgradeSnapshots(context) }),
  (context) => createCertRotationController(context),
];
