/**
 * Where the controllers are put together: the one file of src/controllers that imports the kinds'
 * folders, so that the kinds never import each other (eslint.boundaries.mjs).
 */
import type { ControllerFactory, OperatorContext } from "./context.ts";
import { createCertRotationController } from "./certrotation/index.ts";
import { createEtcdSnapshotPolicyController } from "./etcdsnapshotpolicy/controller.ts";
import { policyPreUpgradeSource } from "./etcdsnapshotpolicy/pre-upgrade.ts";
import type { PreUpgradeSnapshotSource } from "./pre-upgrade-snapshot.ts";
import { createUpgradePlanController } from "./upgradeplan/index.ts";

/**
 * The EtcdSnapshotPolicy controller's part of the UpgradePlan controller's pre-upgrade snapshot,
 * over the term's snapshot caches (shared with the policy controller: no extra watch).
 */
export function policyPreUpgradeSnapshots(context: OperatorContext): PreUpgradeSnapshotSource {
  return policyPreUpgradeSource(context);
}

/** The controllers the operator runs, one factory per kind. */
export const CONTROLLER_FACTORIES: readonly ControllerFactory[] = [
  (context) => createEtcdSnapshotPolicyController(context),
  (context) => createUpgradePlanController(context, { snapshots: policyPreUpgradeSnapshots(context) }),
  (context) => createCertRotationController(context),
];
