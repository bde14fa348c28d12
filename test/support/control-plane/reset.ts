/**
 * The real lane's isolation between test files: one control plane serves the whole run, so before
 * each file the harness empties it of everything a test or the simulated nodes can have left:
 * our custom resources and RKE2's snapshot records (finalizers stripped), Nodes, every pod, every
 * namespace but the kept ones, and in the kept ones the kinds tests write. What stays is what the
 * run set up once: CRDs, the kept namespaces, and the chart's RBAC and ServiceAccount in them.
 * RKE2's ETCDSnapshotFile CRD is the exception: a file that runs as an RKE2 release without it
 * (`etcdSnapshotFileCrd: false`) has it deleted, and the next file that needs it has it back.
 */
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { etcdSnapshotFileCrd, etcdSnapshotFileResource } from "../../../src/api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { POD_RESOURCE } from "../../../src/nodeops/job.ts";
import { createKubeHttp, type HttpMethod, type KubeHttp } from "../../../src/runtime/kube/http.ts";
import { loadKubeConnection } from "../../../src/runtime/kube/kubeconfig.ts";
import type { ResourceType } from "../../../src/runtime/kube/types.ts";

/** Built in, or holding the chart's RBAC: emptied, never deleted. */
export const KEPT_NAMESPACES = [
  "default",
  "kube-system",
  "kube-public",
  "kube-node-lease",
  "rke2-lifecycle-system",
  "rke2-lifecycle-jobs",
];
/** Objects the control plane itself owns in the kept namespaces. */
const KEPT_NAMES = new Set(["kube-root-ca.crt", "extension-apiserver-authentication"]);
const CUSTOM = [upgradePlanResource, certRotationResource, etcdSnapshotPolicyResource, etcdSnapshotFileResource];
/** Emptied in every kept namespace, owners before what they own. */
const NAMESPACED: { path: string; query?: string }[] = [
  { path: "apis/batch/v1/namespaces/NS/jobs", query: "propagationPolicy=Background" },
  { path: "apis/apps/v1/namespaces/NS/deployments", query: "propagationPolicy=Background" },
  { path: "apis/apps/v1/namespaces/NS/daemonsets", query: "propagationPolicy=Background" },
  { path: "apis/apps/v1/namespaces/NS/replicasets", query: "propagationPolicy=Background" },
  { path: "apis/policy/v1/namespaces/NS/poddisruptionbudgets" },
  { path: "apis/coordination.k8s.io/v1/namespaces/NS/leases" },
  { path: "api/v1/namespaces/NS/secrets" },
  { path: "api/v1/namespaces/NS/events" },
  { path: "api/v1/namespaces/NS/pods", query: "gracePeriodSeconds=0" },
];
const RESET_TIMEOUT_MS = 60_000;

interface Item {
  metadata: { name: string; namespace?: string; finalizers?: string[] };
}

/** The cluster's admin, over the project's own transport (kubeconfig auth and TLS as the operator's). */
class AdminClient {
  private readonly http: KubeHttp;

  constructor(http: KubeHttp) {
    this.http = http;
  }

  /** `path` is relative to the server and may carry a query; a 404 answers undefined. */
  request(method: HttpMethod, path: string, body?: object): Promise<unknown> {
    const contentType = method === "PATCH" ? "application/merge-patch+json" : "application/json";
    const payload = body ? { body, contentType } : {};
    return this.http.json({ verb: "reset", method, path: `/${path}`, ...payload }, true);
  }

  async items(path: string): Promise<Item[]> {
    const list = (await this.request("GET", path)) as { items: Item[] } | undefined;
    return list?.items ?? [];
  }
}

/** One client per kubeconfig for the whole run (the lane resets before every file). */
const clients = new Map<string, Promise<AdminClient>>();

function adminClient(kubeconfigPath: string): Promise<AdminClient> {
  let client = clients.get(kubeconfigPath);
  if (!client) {
    client = loadKubeConnection({ kubeconfigPath }).then((connection) => new AdminClient(createKubeHttp(connection)));
    clients.set(kubeconfigPath, client);
  }
  return client;
}

function collectionPath(type: ResourceType): string {
  return `${type.apiVersion === "v1" ? "api" : "apis"}/${type.apiVersion}/${type.plural}`;
}

function objectPath(type: ResourceType, item: Item): string {
  const base = `${type.apiVersion === "v1" ? "api" : "apis"}/${type.apiVersion}`;
  const ns = item.metadata.namespace;
  return `${base}/${ns ? `namespaces/${ns}/` : ""}${type.plural}/${item.metadata.name}`;
}

async function deleteCustomResources(client: AdminClient): Promise<void> {
  for (const type of CUSTOM) {
    for (const item of await client.items(collectionPath(type))) {
      const path = objectPath(type, item);
      if (item.metadata.finalizers?.length) await client.request("PATCH", path, { metadata: { finalizers: null } });
      await client.request("DELETE", path);
    }
  }
}

async function emptyKeptNamespaces(client: AdminClient): Promise<void> {
  for (const ns of KEPT_NAMESPACES) {
    for (const { path, query } of NAMESPACED) {
      await client.request("DELETE", `${path.replace("NS", ns)}${query ? `?${query}` : ""}`);
    }
    for (const item of await client.items(`api/v1/namespaces/${ns}/configmaps`)) {
      if (!KEPT_NAMES.has(item.metadata.name)) {
        await client.request("DELETE", `api/v1/namespaces/${ns}/configmaps/${item.metadata.name}`);
      }
    }
  }
}

async function leftovers(client: AdminClient): Promise<string[]> {
  const found: string[] = [];
  for (const type of CUSTOM)
    found.push(...(await client.items(collectionPath(type))).map((i) => `${type.kind}/${i.metadata.name}`));
  found.push(...(await client.items("api/v1/nodes")).map((i) => `Node/${i.metadata.name}`));
  found.push(...(await client.items("api/v1/pods")).map((i) => `Pod/${i.metadata.namespace ?? ""}/${i.metadata.name}`));
  const namespaces = await client.items("api/v1/namespaces");
  found.push(
    ...namespaces.filter((i) => !KEPT_NAMESPACES.includes(i.metadata.name)).map((i) => `Namespace/${i.metadata.name}`),
  );
  return found;
}

const CRD_PATH = "apis/apiextensions.k8s.io/v1/customresourcedefinitions";

/** Deletes or installs the ETCDSnapshotFile CRD, and waits until the API server serves it, or no longer does. */
async function serveSnapshotRecords(client: AdminClient, served: boolean): Promise<void> {
  const crd = `${CRD_PATH}/${etcdSnapshotFileCrd.metadata.name}`;
  const installed = (await client.request("GET", crd)) !== undefined;
  if (installed === served) return;
  if (served) await client.request("POST", CRD_PATH, etcdSnapshotFileCrd);
  else await client.request("DELETE", crd);
  const deadline = Date.now() + RESET_TIMEOUT_MS;
  // A list answers 404 until the CRD is established, and again once it is gone.
  const listPath = collectionPath(etcdSnapshotFileResource);
  while (((await client.request("GET", listPath)) !== undefined) !== served) {
    if (Date.now() > deadline)
      throw new Error(`${etcdSnapshotFileCrd.metadata.name}: still ${served ? "not " : ""}served`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Empties the real control plane (see the module comment) and waits until nothing is left.
 * `etcdSnapshotFileCrd: false` leaves RKE2's snapshot records unserved, as an RKE2 release before them.
 */
export async function resetCluster(
  adminKubeconfigPath: string,
  options: { etcdSnapshotFileCrd?: boolean } = {},
): Promise<void> {
  const client = await adminClient(adminKubeconfigPath);
  await deleteCustomResources(client);
  await serveSnapshotRecords(client, options.etcdSnapshotFileCrd !== false);
  for (const ns of await client.items("api/v1/namespaces")) {
    if (KEPT_NAMESPACES.includes(ns.metadata.name)) continue;
    await client.request("DELETE", `api/v1/namespaces/${ns.metadata.name}/pods?gracePeriodSeconds=0`);
    await client.request("DELETE", `api/v1/namespaces/${ns.metadata.name}`);
  }
  await emptyKeptNamespaces(client);
  await client.request("DELETE", "api/v1/nodes");
  const deadline = Date.now() + RESET_TIMEOUT_MS;
  for (;;) {
    // Pods a controller made again after the first pass (a Job's, a ReplicaSet's) go too.
    for (const pod of await client.items("api/v1/pods")) {
      await client.request("DELETE", `${objectPath(POD_RESOURCE, pod)}?gracePeriodSeconds=0`);
    }
    const left = await leftovers(client);
    if (left.length === 0) return;
    if (Date.now() > deadline) throw new Error(`the control plane could not be emptied: ${left.join(", ")}`);
    await deleteCustomResources(client);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
