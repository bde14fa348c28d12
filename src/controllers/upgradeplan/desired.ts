/**
 * What an UpgradePlan asks of the rollout engine, pure: the policy from its spec, and the node
 * Job of the `upgrade` action, which runs the official rancher/rke2-upgrade image.
 *
 * The image's entrypoint is `/bin/upgrade.sh` and its default command `upgrade`: it finds the
 * running `rke2 server|agent` with `ps` (hence hostPID), copies `/opt/rke2` over the host's
 * binary through `/host`, and SIGTERMs rke2 so systemd restarts it; when the binary already
 * matches it exits 0 without a restart. That step reads no environment. The SYSTEM_UPGRADE_*
 * variables system-upgrade-controller sets are passed anyway, for images built for SUC (their
 * `prepare` step reads SYSTEM_UPGRADE_PLAN_LATEST_VERSION) and for people reading the pod.
 */
import { durationToMs } from "../../api/duration.ts";
import {
  MAX_STATUS_NODES,
  upgradePlanResource,
  type UpgradePlan,
  type UpgradePlanSpec,
} from "../../api/upgradeplan.ts";
import { upgradeImageTag } from "../../rke2/versions.ts";
import { buildNodeJob, type Job } from "../../nodeops/job.ts";
import { completionLabelKey } from "../../rollout/claim.ts";
import type { NodeObject } from "../../rollout/kube-objects.ts";
import type { RolloutRequest } from "../../rollout/observe.ts";
import type { RolloutGates, RolloutPolicy } from "../../rollout/types.ts";

/** The Job's own deadline when the template sets none (SUC's manifest uses 900 s). */
export const UPGRADE_JOB_DEADLINE_SECONDS = 900;

export function rolloutPolicy(spec: UpgradePlanSpec, target: string): RolloutPolicy {
  return {
    concurrency: { etcd: 1, "control-plane": spec.concurrency.controlPlane, worker: spec.concurrency.workers },
    drain: { etcd: spec.drain.controlPlane, "control-plane": spec.drain.controlPlane, worker: spec.drain.workers },
    healthGate: {
      timeoutMs: durationToMs(spec.healthGate.timeout) ?? 0,
      settleMs: durationToMs(spec.healthGate.settle) ?? 0,
      kubeletVersion: target,
    },
    maxAttemptsPerNode: spec.failurePolicy.maxAttemptsPerNode,
  };
}

export function upgradeImage(spec: Pick<UpgradePlanSpec, "upgradeImage">, target: string): string {
  return `${spec.upgradeImage}:${upgradeImageTag(target)}`;
}

export function upgradeJob(
  plan: UpgradePlan,
  spec: UpgradePlanSpec,
  target: string,
  node: string,
  identity: string,
  namespace: string,
): Job {
  const healthTimeoutSeconds = Math.ceil((durationToMs(spec.healthGate.timeout) ?? 0) / 1000);
  return buildNodeJob({
    action: "upgrade",
    owner: {
      apiVersion: upgradePlanResource.apiVersion,
      kind: upgradePlanResource.kind,
      name: plan.metadata.name,
      uid: plan.metadata.uid ?? "",
    },
    node,
    namespace,
    image: upgradeImage(spec, target),
    args: ["upgrade"],
    env: [
      { name: "SYSTEM_UPGRADE_NODE_NAME", value: node },
      { name: "SYSTEM_UPGRADE_PLAN_NAME", value: plan.metadata.name },
      { name: "SYSTEM_UPGRADE_PLAN_LATEST_VERSION", value: upgradeImageTag(target) },
    ],
    identity,
    ...(spec.jobTemplate ? { template: spec.jobTemplate } : {}),
    activeDeadlineSeconds: UPGRADE_JOB_DEADLINE_SECONDS,
    // The finished Job must outlive the health gate: it is how a restarted operator knows the
    // node's upgrade already ran.
    ttlSecondsAfterFinished: healthTimeoutSeconds + 3600,
  });
}

export interface RoundGates {
  mayStart: boolean;
  retryFailed: boolean;
  /** The plan is being deleted: wind down (rollout/types.ts RolloutInput.releasing). */
  releasing?: boolean;
  /** Approval, blockers, tier soak (rollout/tier-gates.ts). */
  tierGates?: RolloutGates;
}

export function rolloutRequest(
  plan: UpgradePlan,
  spec: UpgradePlanSpec,
  target: string,
  gates: RoundGates,
  jobNamespace: string,
): RolloutRequest {
  return {
    owner: {
      apiVersion: upgradePlanResource.apiVersion,
      kind: upgradePlanResource.kind,
      name: plan.metadata.name,
      uid: plan.metadata.uid ?? "",
    },
    action: "upgrade",
    target,
    completionLabel: completionLabelKey(upgradePlanResource.kind, plan.metadata.name),
    nodeSelector: spec.nodeSelector,
    policy: rolloutPolicy(spec, target),
    mayStart: gates.mayStart,
    retryFailed: gates.retryFailed,
    releasing: gates.releasing ?? false,
    buildJob: (node, identity) => upgradeJob(plan, spec, target, node, identity, jobNamespace),
    // A node already running the target (it joined at that version) needs no disruption.
    isSatisfied: (node: NodeObject) => node.status?.nodeInfo?.kubeletVersion === target,
    maxStatusNodes: MAX_STATUS_NODES,
    gates: gates.tierGates,
  };
}
