import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { KubeConnection } from "./http.ts";
import { inClusterConnection } from "./in-cluster.ts";
import { KubeConfigError, NoKubeConfigError } from "./kubeconfig-error.ts";
import { fieldsNeedingClientNode, plainKubeconfigConnection } from "./kubeconfig-plain.ts";
import { readKubeconfigFiles } from "./kubeconfig-read.ts";

export { KubeConfigError, NoKubeConfigError };

export interface LoadKubeConfigOptions {
  /** A kubeconfig file, or several joined like KUBECONFIG (`a:b`); the first one's context wins. */
  kubeconfigPath?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token). */
  inCluster?: boolean;
  /** A context of the kubeconfig instead of its current-context (kubectl's --context). */
  context?: string;
}

/** Where the answer depends on the machine; tests replace it. */
export interface KubeConfigEnvironment {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Prefix of the service-account mount, "" in a real pod. */
  serviceAccountPrefix: string;
}

function defaultEnvironment(): KubeConfigEnvironment {
  return { env: process.env, homeDir: homedir(), serviceAccountPrefix: "" };
}

/**
 * Finds the API server the way kubectl users expect: an explicit path, else KUBECONFIG, else
 * ~/.kube/config, else the pod's service account. Unlike client-node's `loadFromDefault`, it
 * never falls back silently to http://localhost:8080: when nothing is found it throws a
 * KubeConfigError that says what to pass. A pod's service account needs no
 * @kubernetes/client-node, nor does a kubeconfig whose context uses tokens, client certificates,
 * CA files or basic auth (kubeconfig-plain.ts); client-node is loaded (kubeconfig-files.ts) only
 * for what needs it: exec and auth-provider plugins, proxy-url, impersonation.
 */
export async function loadKubeConnection(
  options: LoadKubeConfigOptions = {},
  environment: KubeConfigEnvironment = defaultEnvironment(),
): Promise<KubeConnection> {
  if (options.inCluster && options.kubeconfigPath) {
    throw new KubeConfigError("choose one of --kubeconfig and --in-cluster, not both");
  }
  if (options.inCluster && options.context) throw new KubeConfigError("--context needs a kubeconfig, not --in-cluster");
  if (options.inCluster) return loadInCluster(environment);
  if (options.kubeconfigPath) return loadFiles(options.kubeconfigPath, "--kubeconfig", options.context);

  const fromEnv = environment.env.KUBECONFIG;
  if (fromEnv) return loadFiles(fromEnv, "KUBECONFIG", options.context);
  const homeConfig = join(environment.homeDir, ".kube", "config");
  if (existsSync(homeConfig)) return loadFiles(homeConfig, "~/.kube/config", options.context);
  if (environment.env.KUBERNETES_SERVICE_HOST && !options.context) return loadInCluster(environment);
  throw new NoKubeConfigError(
    "no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a pod (--in-cluster)",
  );
}

function loadInCluster(environment: KubeConfigEnvironment): KubeConnection {
  return inClusterConnection({ env: environment.env, serviceAccountPrefix: environment.serviceAccountPrefix });
}

async function loadFiles(pathList: string, source: string, context: string | undefined): Promise<KubeConnection> {
  const paths = pathList.split(delimiter).filter((path) => path !== "");
  for (const path of paths) {
    if (!existsSync(path)) throw new KubeConfigError(`${source}: ${path} does not exist`);
  }
  const selection = readKubeconfigFiles(paths, pathList, source, context);
  if (fieldsNeedingClientNode(selection).length === 0) return plainKubeconfigConnection(selection, source);
  const { kubeConfigConnection, loadKubeConfigFiles } = await import("./kubeconfig-files.ts");
  return kubeConfigConnection(loadKubeConfigFiles(paths, pathList, source, context));
}
