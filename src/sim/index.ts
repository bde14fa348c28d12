/**
 * `startSim`: the simulated RKE2 cluster in one call. Starts the fake API server (unless
 * `external` names a real one: then neither the fake server nor the sim controllers run), installs
 * the ETCDSnapshotFile CRD, our CRDs and the namespaces, starts the sim controllers and the nodes.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { operatorCrds } from "../api/crd-files.ts";
import { etcdSnapshotFileCrd } from "../api/etcdsnapshotfile.ts";
import { silentLogger, type Logger } from "../observability/logger.ts";
import { systemClock, type Clock } from "../runtime/clock.ts";
import { createKubePort } from "../runtime/kube/adapter.ts";
import { isAlreadyExists } from "../runtime/kube/errors.ts";
import type { ApiRequestObserver } from "../runtime/kube/http.ts";
import { loadKubeConnection } from "../runtime/kube/kubeconfig.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import { startApiServer, type RequestAccounting, type SimApiServer } from "./apiserver/index.ts";
import { SimCluster, type SimClusterOptions } from "./cluster/cluster.ts";
import { CRDS, NAMESPACES } from "./cluster/kinds.ts";
import { NODE_WRITERS, type NodeWriter } from "./cluster/node-objects.ts";
import type { TopologySpec } from "./cluster/topology.ts";
import { SimControllers } from "./controllers/workload-controllers.ts";

export { demoTopology, scaleTopology, type TopologySpec } from "./cluster/topology.ts";
export { SimCluster } from "./cluster/cluster.ts";

/** Node Jobs run here: privileged, as RKE2's CIS profile would otherwise forbid them. */
export const SIM_NAMESPACES: { name: string; labels?: Record<string, string> }[] = [
  { name: "kube-system" },
  { name: "kube-node-lease" },
  { name: "rke2-lifecycle-system" },
  { name: "rke2-lifecycle-jobs", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
];

export interface StartSimOptions {
  topology: TopologySpec;
  timeScale: number;
  clock?: Clock;
  log?: Logger;
  apiServer?: { port?: number };
  /**
   * A real API server: no fake server, no sim controllers. `operatorKubeconfigPath` gives the
   * operator's client its own identity there (the chart's ServiceAccount, so RBAC applies).
   */
  external?: { kubeconfigPath: string; operatorKubeconfigPath?: string };
  /** Sees every request of `operatorPort` as it finishes (the tests' request log). */
  onOperatorRequest?: ApiRequestObserver;
  durations?: SimClusterOptions["durations"];
  workloads?: SimClusterOptions["workloads"];
  /**
   * Install RKE2's ETCDSnapshotFile CRD (default true). False plays an RKE2 release from before
   * it: the API server answers 404 for etcdsnapshotfiles and the nodes record no snapshots there.
   */
  etcdSnapshotFileCrd?: boolean;
}

/** User-Agent of the sim's own clients (kubelets, controllers, test set-up through `port`). */
export const SIM_CLIENT = "rke2-lifecycle-sim";
/** User-Agent of `operatorPort`: what the API server's accounting attributes to the operator. */
export const OPERATOR_CLIENT = "rke2-lifecycle-operator";
/** When set, the sim writes the operator's requests (JSON lines) into this folder as it stops. */
export const REQUEST_LOG_ENV = "RKE2_LIFECYCLE_REQUEST_LOG";

export interface Sim {
  kubeconfigPath: string;
  /** The kubeconfig of the operator's identity (on a real server, the chart's ServiceAccount). */
  operatorKubeconfigPath: string;
  /** The sim's own client: use it for test set-up and observation. */
  port: KubePort;
  /** A separate client for the operator under test, so its requests are accounted on their own. */
  operatorPort: KubePort;
  cluster: SimCluster;
  apiServer?: SimApiServer;
  requests?: RequestAccounting;
  stop(): Promise<void>;
}

async function createIfMissing(port: KubePort, type: typeof CRDS, object: KubeObject): Promise<void> {
  try {
    await port.create(type, object);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

export async function startSim(options: StartSimOptions): Promise<Sim> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger();
  let apiServer: SimApiServer | undefined;
  let kubeconfigPath: string;
  let tempDir: string | undefined;
  if (options.external) {
    kubeconfigPath = options.external.kubeconfigPath;
  } else {
    apiServer = await startApiServer({
      ...(options.apiServer?.port !== undefined ? { port: options.apiServer.port } : {}),
      clock,
      log: log.child({ component: "sim-apiserver" }),
    });
    tempDir = await mkdtemp(join(tmpdir(), "rke2-sim-"));
    kubeconfigPath = join(tempDir, "kubeconfig");
    await apiServer.writeKubeconfig(kubeconfigPath);
  }
  // The clients connect as the operator does (kubeconfig.ts): no client-node for a token and a CA.
  const connection = await loadKubeConnection({ kubeconfigPath });
  // The clients' request and watch deadlines are wall-clock time, whatever clock the cluster keeps:
  // under a test's compressed clock a 30 s deadline would be one real second, which a loaded
  // machine misses. (`clock` stays the cluster's time: kubelets, node actions, the fake server.)
  const port = createKubePort(connection, { userAgent: SIM_CLIENT });
  const operatorConnection = options.external?.operatorKubeconfigPath
    ? await loadKubeConnection({ kubeconfigPath: options.external.operatorKubeconfigPath })
    : connection;
  const operatorPort = createKubePort(operatorConnection, {
    userAgent: OPERATOR_CLIENT,
    ...(options.onOperatorRequest ? { onRequest: options.onOperatorRequest } : {}),
  });
  // The server derives each Node writer's field manager from its User-Agent, as for the real components.
  const writerAgent = (writer: NodeWriter): string =>
    `${writer}/${options.topology.version} (linux/amd64) ${SIM_CLIENT}`;
  const writerPort = (writer: NodeWriter): KubePort => createKubePort(connection, { userAgent: writerAgent(writer) });
  const writers = Object.fromEntries(NODE_WRITERS.map((writer) => [writer, writerPort(writer)]));

  const rke2Crds = options.etcdSnapshotFileCrd === false ? [] : [etcdSnapshotFileCrd];
  for (const crd of [...rke2Crds, ...operatorCrds()]) await createIfMissing(port, CRDS, crd);
  for (const ns of SIM_NAMESPACES) {
    await createIfMissing(port, NAMESPACES, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns.name, ...(ns.labels ? { labels: ns.labels } : {}) },
    });
  }

  const cluster = new SimCluster({
    port,
    clock,
    log,
    topology: options.topology,
    timeScale: options.timeScale,
    writers,
    ...(options.durations ? { durations: options.durations } : {}),
    ...(options.workloads !== undefined ? { workloads: options.workloads } : {}),
  });
  const controllers = apiServer
    ? new SimControllers({
        port,
        clock,
        log: log.child({ component: "sim-controllers" }),
        jobBackoffMs: cluster.durations.jobBackoffMs,
      })
    : undefined;
  await controllers?.start();
  await cluster.start();

  return {
    kubeconfigPath,
    operatorKubeconfigPath: options.external?.operatorKubeconfigPath ?? kubeconfigPath,
    port,
    operatorPort,
    cluster,
    ...(apiServer ? { apiServer, requests: apiServer.requests } : {}),
    async stop() {
      await cluster.stop();
      await controllers?.stop();
      await apiServer?.stop();
      if (apiServer) await writeOperatorRequests(apiServer, process.env[REQUEST_LOG_ENV]);
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * Appends the operator's distinct requests, and the authorization checks admission made of its
 * writes (marked `admission`), to `<dir>/<uuid>.jsonl` for the RBAC coverage check.
 */
async function writeOperatorRequests(
  apiServer: Pick<SimApiServer, "requests" | "authorizationChecks">,
  dir: string | undefined,
): Promise<void> {
  if (!dir) return;
  const lines = [
    ...apiServer.requests.entries(OPERATOR_CLIENT).map((entry) => JSON.stringify(entry)),
    ...apiServer.authorizationChecks
      .entries(OPERATOR_CLIENT)
      .map((entry) => JSON.stringify({ ...entry, admission: true })),
  ];
  if (lines.length === 0) return;
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${randomUUID()}.jsonl`), `${lines.join("\n")}\n`);
}
