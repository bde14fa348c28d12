/**
 * The API requests the operator makes, with the code that makes each. The chart's RBAC must allow
 * every one and grant nothing else (chart.test.ts, deploy/kustomize.test.ts). When the integration
 * suite records real requests (test/support/rbac.ts `requestsFromAccounting`), facts replace this
 * list. docs/security.md explains each rule. `inventoryRequests` are the certificate inventory
 * DaemonSet's, made with its own ServiceAccount.
 */
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import type { ApiRequest } from "../../support/rbac.ts";

export interface ExpectedRequest {
  request: ApiRequest;
  source: string;
}

const KINDS = ["etcdsnapshotpolicies", "certrotations", "upgradeplans"];

/** Requests of the operator installed in `operatorNamespace` with node Jobs in `jobsNamespace`. */
export function operatorRequests(
  operatorNamespace: string,
  jobsNamespace: string,
  leaderLease: string,
): ExpectedRequest[] {
  const out: ExpectedRequest[] = [];
  const add = (source: string, verbs: string[], request: Omit<ApiRequest, "verb">): void => {
    for (const verb of verbs) out.push({ source, request: { verb, ...request } });
  };
  const group = "rke2-lifecycle.io";
  add("controllers/etcdsnapshotpolicy/controller.ts informer", ["list", "watch"], {
    group,
    resource: "etcdsnapshotpolicies",
  });
  add("controllers/upgradeplan/index.ts informer", ["list", "watch"], { group, resource: "upgradeplans" });
  add("controllers/certrotation/index.ts informer", ["list", "watch"], { group, resource: "certrotations" });
  add("controllers/etcdsnapshotpolicy/pre-upgrade.ts", ["get"], {
    group,
    resource: "etcdsnapshotpolicies",
    name: "every-6h",
  });
  add("rollout/lock.ts holderGone", ["get"], { group, resource: "upgradeplans", name: "v1-31-4" });
  add("rollout/lock.ts holderGone", ["get"], { group, resource: "certrotations", name: "default" });
  add("rollout/finalizer.ts (release-nodes finalizer)", ["patch"], {
    group,
    resource: "upgradeplans",
    name: "v1-31-4",
  });
  add("rollout/finalizer.ts (release-nodes finalizer)", ["patch"], {
    group,
    resource: "certrotations",
    name: "default",
  });
  for (const resource of KINDS) {
    add("controllers/status.ts writeStatusIfChanged", ["patch"], { group, resource, subresource: "status", name: "x" });
    // Asked by the OwnerReferencesPermissionEnforcement admission plugin (not sent by the operator)
    // when an object names the CR as owner with blockOwnerDeletion; the sim records it.
    add("nodeops/job.ts ownerReferenceTo (blockOwnerDeletion)", ["update"], {
      group,
      resource,
      subresource: "finalizers",
      name: "x",
    });
  }

  const lease = { group: "coordination.k8s.io", resource: "leases", namespace: operatorNamespace };
  add("runtime/leader-election.ts, rollout/lock.ts acquire", ["create"], lease);
  add("runtime/leader-election.ts", ["get", "update"], { ...lease, name: leaderLease });
  // An informer with fieldSelector metadata.name=<lock> is authorized as a request for that name.
  add("rollout/informers.ts (lease informer), rollout/lock.ts", ["list", "watch", "update"], {
    ...lease,
    name: DISRUPTION_LOCK_NAME,
  });
  add("observability/events.ts (events of cluster-scoped objects go to default)", ["get", "create", "patch"], {
    group: "",
    resource: "events",
    namespace: "default",
  });

  add("rollout/informers.ts, controllers/etcdsnapshotpolicy/controller.ts", ["list", "watch"], {
    group: "",
    resource: "nodes",
  });
  add("rollout/executor.ts (cordon, uncordon, labels)", ["patch"], { group: "", resource: "nodes", name: "node-1" });
  add("rollout/drainer.ts (pods of a node, all namespaces)", ["list"], { group: "", resource: "pods" });
  add("rollout/informers.ts, etcdsnapshotpolicy informers (mirror and Job pods)", ["watch"], {
    group: "",
    resource: "pods",
    namespace: "kube-system",
  });
  add("rollout/drainer.ts (disableEviction)", ["delete"], {
    group: "",
    resource: "pods",
    namespace: "apps",
    name: "web-0",
  });
  add("rollout/drainer.ts", ["create"], {
    group: "",
    resource: "pods",
    subresource: "eviction",
    namespace: "apps",
    name: "web-0",
  });
  add("controllers/etcdsnapshotpolicy/controller.ts informer", ["list", "watch"], {
    group: "k3s.cattle.io",
    resource: "etcdsnapshotfiles",
  });

  const jobs = { group: "batch", resource: "jobs", namespace: jobsNamespace };
  add("rollout/informers.ts, etcdsnapshotpolicy informers", ["list", "watch"], jobs);
  add("rollout/executor.ts, etcdsnapshotpolicy/reconciler.ts", ["create"], jobs);
  add("etcdsnapshotpolicy/reconciler.ts (processed label)", ["patch"], { ...jobs, name: "snapshot-save-x" });
  add("rollout/executor.ts (superseded target)", ["delete"], { ...jobs, name: "upgrade-x" });
  // The certificate inventory Leases, selected by label (so not by name).
  add("controllers/certrotation/index.ts (inventory informer)", ["list", "watch"], {
    group: "coordination.k8s.io",
    resource: "leases",
    namespace: jobsNamespace,
  });
  add("storage/credentials.ts readSecret", ["get"], {
    group: "",
    resource: "secrets",
    namespace: operatorNamespace,
    name: "etcd-s3",
  });
  add("storage/credentials.ts readEndpointCa", ["get"], {
    group: "",
    resource: "configmaps",
    namespace: operatorNamespace,
    name: "s3-ca",
  });
  add("etcdsnapshotpolicy/storage-access.ts ensureSecretCopy", ["get", "create", "patch"], {
    group: "",
    resource: "secrets",
    namespace: jobsNamespace,
    name: "etcd-s3-copy",
  });
  return out;
}

/** Requests of the certificate inventory DaemonSet (its own ServiceAccount) with Leases in `jobsNamespace`. */
export function inventoryRequests(jobsNamespace: string): ExpectedRequest[] {
  const lease = { group: "coordination.k8s.io", resource: "leases", namespace: jobsNamespace };
  return [
    { source: "certs/inventory-lease.ts publishInventory (first report)", request: { verb: "create", ...lease } },
    {
      source: "certs/inventory-lease.ts publishInventory (merge patch)",
      request: { verb: "patch", ...lease, name: "cert-inventory-node-1" },
    },
    {
      source: "certs/reporter.ts readReportInterval",
      request: { verb: "list", group: "rke2-lifecycle.io", resource: "certrotations" },
    },
    { source: "certs/reporter.ts readNodeUid", request: { verb: "get", group: "", resource: "nodes", name: "node-1" } },
  ];
}
