/**
 * A one-node cluster in a memory port for the pre-upgrade snapshot tests: the policy, an etcd
 * node and its etcd pod; `start` runs the policy controller's caches and returns the UpgradePlan
 * side's `takeFromSource` over them.
 */
import { afterEach } from "@jest/globals";
import { etcdSnapshotPolicyResource } from "../../../../src/api/etcdsnapshotpolicy.ts";
import { termContext } from "../../../../src/controllers/context.ts";
import { snapshotCaches } from "../../../../src/controllers/etcdsnapshotpolicy/caches.ts";
import { preUpgradeSource } from "../../../../src/controllers/etcdsnapshotpolicy/pre-upgrade.ts";
import type { SnapshotProgress } from "../../../../src/controllers/upgradeplan/preflight.ts";
import { takeFromSource, type PreUpgradeSnapshotRequest } from "../../../../src/controllers/upgradeplan/snapshots.ts";
import { POD_RESOURCE } from "../../../../src/nodeops/job.ts";
import { silentLogger } from "../../../../src/observability/logger.ts";
import { createMetrics } from "../../../../src/observability/metrics.ts";
import type { ObjectStoreFactory } from "../../../../src/storage/s3-store.ts";
import { FakeClock, flushMicrotasks } from "../../../../src/runtime/clock.ts";
import type { ManagedInformer } from "../../../../src/runtime/controller-module.ts";
import type { KubeObject } from "../../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";
import { operatorConfig } from "../../../support/operator-config.ts";

const NODES = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
export const request = {
  policyName: "nightly",
  planName: "v1-31",
  planUid: "plan-uid",
  targetVersion: "v1.31.4+rke2r1",
};

export type Ensure = (request: PreUpgradeSnapshotRequest) => Promise<SnapshotProgress>;

let running: ManagedInformer[] = [];
afterEach(async () => {
  await Promise.all(running.map((informer) => informer.stop()));
  running = [];
});

export interface Cluster {
  port: MemoryKubePort;
  clock: FakeClock;
  start(openStore?: ObjectStoreFactory): Promise<Ensure>;
}

export async function cluster(status?: object): Promise<Cluster> {
  const clock = new FakeClock(Date.parse("2026-03-01T12:00:00Z"));
  const port = new MemoryKubePort({ clock });
  await port.create(etcdSnapshotPolicyResource, {
    apiVersion: "rke2-lifecycle.io/v1alpha1",
    kind: "EtcdSnapshotPolicy",
    metadata: { name: "nightly", uid: "policy-uid" },
    spec: { schedule: "0 0 * * *" },
    ...(status ? { status } : {}),
  } as KubeObject);
  await port.create(NODES, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "server-1", labels: { "node-role.kubernetes.io/etcd": "true" } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  } as KubeObject);
  await port.create(POD_RESOURCE, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "etcd-server-1", namespace: "kube-system", labels: { component: "etcd" } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  } as KubeObject);
  /** Starts the caches; each call of the returned function first lets them catch up with the port. */
  async function start(openStore?: ObjectStoreFactory): Promise<Ensure> {
    const config = operatorConfig();
    const metrics = createMetrics({ defaultMetrics: false });
    const caches = snapshotCaches(termContext({ port, clock, log: silentLogger(), metrics, config }));
    running.push(...caches.informers);
    for (const informer of caches.informers) informer.start();
    await Promise.all(caches.informers.map((informer) => informer.synced));
    const source = preUpgradeSource({
      port,
      clock,
      caches,
      config: { namespace: config.namespace, jobsNamespace: config.jobsNamespace, nodeAgentImage: "op:1" },
      ...(openStore ? { openStore } : {}),
    });
    const take = takeFromSource(source, clock, 2000);
    return async (asked) => {
      await flushMicrotasks();
      return take({ ...asked, attempt: 0 });
    };
  }
  return { port, clock, start };
}
