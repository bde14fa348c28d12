/**
 * The finalizer that keeps an UpgradePlan or CertRotation until its rollout has wound down: on
 * deletion the owner finishes the nodes whose Job exists, hands every other claimed node back
 * (uncordoned where it cordoned it and no Job ran) and frees the disruption lock, then removes the
 * finalizer. Without it, a deleted owner's nodes would stay cordoned until another owner took
 * them over. Both writes are merge patches of `metadata.finalizers`.
 */
import { isConflict, isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";

export const RELEASE_FINALIZER = "rke2-lifecycle.io/release-nodes";

export function hasReleaseFinalizer(object: KubeObject): boolean {
  return object.metadata.finalizers?.includes(RELEASE_FINALIZER) ?? false;
}

export function isDeleting(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

/**
 * Adds the finalizer unless it is there (an object being deleted takes no new finalizers), with
 * the cached resourceVersion as precondition so a finalizer someone else just added is not lost.
 * False when that precondition failed (the cache lags our own writes): come back shortly.
 */
export async function addReleaseFinalizer(port: KubePort, type: ResourceType, object: KubeObject): Promise<boolean> {
  if (hasReleaseFinalizer(object) || isDeleting(object)) return true;
  const finalizers = [...(object.metadata.finalizers ?? []), RELEASE_FINALIZER];
  try {
    await port.mergePatch(type, object.metadata.name, {
      metadata: { resourceVersion: object.metadata.resourceVersion, finalizers },
    });
    return true;
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  }
}

/**
 * Removes the finalizer. No precondition: the API server refuses new finalizers on an object being
 * deleted, so writing the others back cannot add one; it can only fail, and is then retried.
 */
export async function removeReleaseFinalizer(port: KubePort, type: ResourceType, object: KubeObject): Promise<void> {
  if (!hasReleaseFinalizer(object)) return;
  const rest = (object.metadata.finalizers ?? []).filter((name) => name !== RELEASE_FINALIZER);
  try {
    await port.mergePatch(type, object.metadata.name, { metadata: { finalizers: rest.length > 0 ? rest : null } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Requeue delay after a finalizer write lost to a stale cache. */
export const FINALIZER_RETRY_MS = 500;
