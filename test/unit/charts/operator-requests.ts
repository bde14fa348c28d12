/**
 * The API requests the operator makes, or will make once its controllers exist, with where each
 * comes from. The chart's RBAC must allow every one and grant nothing else (chart.test.ts).
 * "provisional" entries follow design/architecture.md for controllers not written yet; when a
 * controller lands, the integration suite's request accounting replaces guesses with facts
 * (test/support/rbac.ts `requestsFromAccounting`). docs/security.md explains each rule.
 */
import type { ApiRequest } from "../../support/rbac.ts";

export interface ExpectedRequest {
  request: ApiRequest;
  source: string;
}

const KINDS = ["etcdsnapshotpolicies", "certrotations", "upgradeplans"];

/** Requests for the operator installed in `operatorNamespace` with node Jobs in `jobsNamespace`. */
export function operatorRequests(operatorNamespace: string, jobsNamespace: string, leases: { leader: string; disruption: string }): ExpectedRequest[] {
  const out: ExpectedRequest[] = [];
  const add = (source: string, verbs: string[], request: Omit<ApiRequest, "verb">): void => {
    for (const verb of verbs) out.push({ source, request: { verb, ...request } });
  };
  const group = "rke2-lifecycle.io";
  for (const resource of KINDS) {
    add("src/runtime/informer.ts (one informer per kind)", ["get", "list", "watch"], { group, resource });
    add("src/controllers/status.ts writeStatusIfChanged", ["patch"], { group, resource, subresource: "status", name: "x" });
  }
  const lease = { group: "coordination.k8s.io", resource: "leases", namespace: operatorNamespace };
  add("src/runtime/leader-election.ts", ["create"], lease);
  add("src/runtime/leader-election.ts", ["get", "update"], { ...lease, name: leases.leader });
  add("provisional: disruption lock (architecture.md invariant 2)", ["get", "update"], { ...lease, name: leases.disruption });
  add("src/observability/events.ts (cluster-scoped objects' events go to default)", ["get", "create", "patch"], { group: "", resource: "events", namespace: "default" });

  add("provisional: roles, health gate, cordon, upgrade labels", ["get", "list", "watch", "patch"], { group: "", resource: "nodes" });
  add("provisional: drain, mirror pods, node Job results", ["list", "watch"], { group: "", resource: "pods" });
  add("provisional: mirror pods of the health gate", ["get"], { group: "", resource: "pods", namespace: "kube-system", name: "etcd-node-1" });
  add("provisional: drain with disableEviction", ["delete"], { group: "", resource: "pods", namespace: "apps", name: "web-0" });
  add("src/runtime/kube/port.ts evict (drain)", ["create"], { group: "", resource: "pods", subresource: "eviction", namespace: "apps", name: "web-0" });
  add("provisional: name the PDB that blocks a drain", ["get", "list", "watch"], { group: "policy", resource: "poddisruptionbudgets" });
  add("src/api/etcdsnapshotfile.ts (snapshot verification, retention)", ["get", "list", "watch"], { group: "k3s.cattle.io", resource: "etcdsnapshotfiles" });

  add("src/nodeops/job.ts buildNodeJob (created by the controllers)", ["get", "list", "watch", "create", "delete"], { group: "batch", resource: "jobs", namespace: jobsNamespace });
  add("provisional: S3 credentials (spec.s3.credentialsSecret)", ["get"], { group: "", resource: "secrets", namespace: operatorNamespace, name: "etcd-s3" });
  add("provisional: endpoint CA bundle (spec.s3.endpointCA)", ["get"], { group: "", resource: "configmaps", namespace: operatorNamespace, name: "s3-ca" });
  add("provisional: credentials copied for snapshot Jobs (secretKeyRef is same-namespace)", ["get", "create", "update", "delete"], { group: "", resource: "secrets", namespace: jobsNamespace, name: "etcd-s3" });
  return out;
}
