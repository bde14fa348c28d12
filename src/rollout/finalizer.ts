/**
 * The finalizer that keeps an UpgradePlan or CertRotation until its rollout has wound down: on
 * deletion the owner finishes the nodes whose Job exists, hands every other claimed node back
 * (uncordoned where it cordoned it and no Job ran) and frees the disruption lock, then removes the
 * finalizer. Without it, a deleted owner's nodes would stay cordoned until another owner took
 * them over. Writes are merge patches with the object's resourceVersion as precondition.
 */
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";

export const RELEASE_FINALIZER = "rke2-lifecycle.io/release-nodes";

export function hasReleaseFinalizer(object: KubeObject): boolean {
  return object.metadata.finalizers?.includes(RELEASE_FINALIZER) ?? false;
}

export function isDeleting(object: KubeObject): boolean {
  return object.metadata.deletionTimestamp !== undefined;
}

/** Adds the finalizer unless it is there (an object being deleted takes no new finalizers). */
export async function addReleaseFinalizer(port: KubePort, type: ResourceType, object: KubeObject): Promise<void> {
  if (hasReleaseFinalizer(object) || isDeleting(object)) return;
  const finalizers = [...(object.metadata.finalizers ?? []), RELEASE_FINALIZER];
  await port.mergePatch(type, object.metadata.name, { metadata: { resourceVersion: object.metadata.resourceVersion, finalizers } });
}

export async function removeReleaseFinalizer(port: KubePort, type: ResourceType, object: KubeObject): Promise<void> {
  if (!hasReleaseFinalizer(object)) return;
  const rest = (object.metadata.finalizers ?? []).filter((name) => name !== RELEASE_FINALIZER);
  await port.mergePatch(type, object.metadata.name, { metadata: { resourceVersion: object.metadata.resourceVersion, finalizers: rest.length > 0 ? rest : null } });
}
