/**
 * The API server a client-library contract test talks to, on either lane: the simulated server,
 * or the real kube-apiserver (emptied first) behind a fault proxy (fault-proxy.ts). Either way the
 * test gets one kubeconfig for the client under test, the same fault knobs, and the requests they
 * saw by verb and resource; it writes its own objects through the project's transport.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createKubeHttp } from "../../src/runtime/kube/http.ts";
import { loadKubeConnection } from "../../src/runtime/kube/kubeconfig.ts";
import { startApiServer } from "../../src/sim/apiserver/index.ts";
import type { FaultConfig, RequestAccounting } from "../../src/sim/apiserver/faults.ts";
import { resetCluster } from "./control-plane/reset.ts";
import { FaultProxy } from "./fault-proxy.ts";
import { ETCD_URL_ENV, externalKubeconfig } from "./lane-env.ts";

export interface ContractServer {
  /** For the client under test: the simulated server, or the fault proxy in front of the real one. */
  kubeconfigPath: string;
  faults: FaultConfig;
  requests: RequestAccounting;
  createConfigMap(name: string): Promise<void>;
  /**
   * A resourceVersion the server no longer serves a watch from, so a watch from it is answered
   * with 410 Expired by the server itself: on the sim, one compacted away; on kube-apiserver, one
   * older than its watch cache holds.
   */
  expiredResourceVersion(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Compacts the real lane's etcd at its current revision, as kube-apiserver's own compactor does
 * every few minutes (etcd v3 JSON gateway, /v3/kv/compaction), and returns a revision it removed.
 */
async function compactEtcd(): Promise<string> {
  const etcd = process.env[ETCD_URL_ENV];
  if (!etcd) throw new Error(`${ETCD_URL_ENV} is not set: the real lane's globalSetup sets it`);
  const call = async (path: string, body: object): Promise<{ header?: { revision?: string } }> => {
    const response = await fetch(`${etcd}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`etcd ${path}: ${String(response.status)} ${await response.text()}`);
    return (await response.json()) as { header?: { revision?: string } };
  };
  const revision = Number((await call("/v3/kv/range", { key: Buffer.from("/").toString("base64") })).header?.revision);
  await call("/v3/kv/compaction", { revision, physical: true });
  // A watch from resourceVersion v reads etcd from v + 1, which must be older than the compaction.
  return String(revision - 2);
}

export async function startContractServer(): Promise<ContractServer> {
  const dir = await mkdtemp(join(tmpdir(), "rke2-lifecycle-contract-"));
  const kubeconfigPath = join(dir, "kubeconfig");
  const external = externalKubeconfig();
  if (!external) {
    const server = await startApiServer();
    await server.writeKubeconfig(kubeconfigPath);
    const configMaps = server.service.catalog.find("", "v1", "configmaps");
    if (!configMaps) throw new Error("configmaps not served");
    return {
      kubeconfigPath,
      faults: server.faults,
      requests: server.requests,
      createConfigMap: (name) => {
        server.service.create(configMaps, "v1", "default", { metadata: { name } }, { manager: "test" });
        return Promise.resolve();
      },
      expiredResourceVersion: () => {
        const stale = String(server.store.currentRevision() - 1);
        server.store.compact();
        return Promise.resolve(stale);
      },
      stop: async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  await resetCluster(external);
  const proxy = await FaultProxy.start(external);
  await proxy.writeKubeconfig(kubeconfigPath);
  const admin = createKubeHttp(await loadKubeConnection({ kubeconfigPath: external }), { userAgent: "contract-setup" });
  return {
    kubeconfigPath,
    faults: proxy.faults,
    requests: proxy.requests,
    createConfigMap: async (name) => {
      const body = { apiVersion: "v1", kind: "ConfigMap", metadata: { name } };
      await admin.json({ verb: "create", method: "POST", path: "/api/v1/namespaces/default/configmaps", body });
    },
    expiredResourceVersion: () => compactEtcd(),
    stop: async () => {
      await proxy.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
