/** The operator configuration integration tests run with: the namespaces the sim creates and the chart uses. */
import type { OperatorConfig } from "../../src/config.ts";
import { DISRUPTION_LOCK_NAME, lockHolder } from "../../src/rollout/lock.ts";
import type { KubePort } from "../../src/runtime/kube/port.ts";
import { LEASE_RESOURCE, type Lease } from "../../src/runtime/lease.ts";

export const JOBS_NAMESPACE = "rke2-lifecycle-jobs";
export const OPERATOR_NAMESPACE = "rke2-lifecycle-system";

export function operatorConfig(): OperatorConfig {
  return {
    kubeconfig: undefined,
    inCluster: false,
    namespace: OPERATOR_NAMESPACE,
    jobsNamespace: JOBS_NAMESPACE,
    listenPort: 0,
    leaderElect: false,
    leaseName: "test",
    leaseDurationSeconds: 15,
    renewDeadlineSeconds: 10,
    retryPeriodSeconds: 2,
    logLevel: "info",
    workers: 2,
    nodeAgentImage: "ghcr.io/rke2-lifecycle/rke2-lifecycle-operator:test",
    rke2DataDir: "/var/lib/rancher/rke2",
  };
}

/** `<Kind>/<name>` holding the disruption lock, undefined when it is free. */
export async function disruptionLockHolder(port: KubePort): Promise<string | undefined> {
  return lockHolder(await port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, OPERATOR_NAMESPACE));
}
