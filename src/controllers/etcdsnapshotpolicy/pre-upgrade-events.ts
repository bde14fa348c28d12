/**
 * Which changes in the snapshot caches wake which plan, so the UpgradePlan controller reconciles
 * its pre-upgrade snapshot when something it reads changed (pre-upgrade.ts) instead of polling.
 */
import { upgradePlanResource } from "../../api/upgradeplan.ts";
import { OWNER_KIND_LABEL, OWNER_LABEL } from "../../nodeops/job.ts";
import { onlyResourceVersionChanged, type ResourceEventHandler } from "../../runtime/informer.ts";
import type { KubeObject } from "../../runtime/kube/types.ts";
import type { SnapshotCaches } from "./caches.ts";

export const PLAN_OWNER_KIND = upgradePlanResource.kind.toLowerCase();
/** Every pre-upgrade snapshot's name starts so (`pre-upgrade-<plan>-<node>-<time>`). */
export const PRE_UPGRADE_PREFIX = "pre-upgrade-";

/** `false`: nothing to wake; undefined: any plan (there are few). */
type PlanOf<T> = (object: T) => string | undefined | false;

function wakeOn<T extends KubeObject>(
  wake: (plan: string | undefined) => void,
  planOf: PlanOf<T>,
  skipUpdate?: (previous: T, current: T) => boolean,
): ResourceEventHandler<T> {
  const call = (object: T): void => {
    const plan = planOf(object);
    if (plan !== false) wake(plan);
  };
  return {
    onAdd: call,
    onDelete: call,
    onUpdate: (previous, current) => {
      if (skipUpdate?.(previous, current) === true) return;
      call(previous);
      call(current);
    },
  };
}

/** A plan's own Job or pod wakes it; another owner's save may free the etcd member a plan waits for. */
function ownerPlan(object: KubeObject): string | undefined {
  const labels = object.metadata.labels ?? {};
  return labels[OWNER_KIND_LABEL] === PLAN_OWNER_KIND ? labels[OWNER_LABEL] : undefined;
}

export function wakePlansOnChange(caches: SnapshotCaches, wake: (plan: string | undefined) => void): void {
  const anyPlan = (): undefined => undefined;
  caches.jobs.addHandler(wakeOn(wake, ownerPlan));
  caches.pods.addHandler(wakeOn(wake, ownerPlan));
  // Its spec (storage settings), its storage check, its newest snapshot (maxAge).
  caches.policyInformer.addHandler(wakeOn(wake, anyPlan));
  caches.etcdNodes.addHandler(wakeOn(wake, anyPlan, onlyResourceVersionChanged));
  caches.etcdMirrorPods.addHandler(wakeOn(wake, anyPlan, onlyResourceVersionChanged));
  // A policy snapshot's record matters to no plan (one stands in through the policy's status).
  caches.recordsInformer.addHandler(
    wakeOn(wake, (record) => (record.spec.snapshotName.startsWith(PRE_UPGRADE_PREFIX) ? undefined : false)),
  );
  caches.onRecordsAvailability(() => {
    wake(undefined);
  });
}
