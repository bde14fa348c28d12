import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";

export interface LoadKubeConfigOptions {
  /** A kubeconfig file, or several joined like KUBECONFIG (`a:b`); the first one's context wins. */
  kubeconfigPath?: string;
  /** Use the pod's service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token). */
  inCluster?: boolean;
}

/** Where the answer depends on the machine; tests replace it. */
export interface KubeConfigEnvironment {
  env: Record<string, string | undefined>;
  homeDir: string;
  /** Prefix of the service-account mount, "" in a real pod (client-node's `pathPrefix`). */
  serviceAccountPrefix: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export class KubeConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeConfigError";
  }
}

function defaultEnvironment(): KubeConfigEnvironment {
  return { env: process.env, homeDir: homedir(), serviceAccountPrefix: "" };
}

/**
 * Loads the client configuration the way kubectl users expect: an explicit path, else
 * KUBECONFIG, else ~/.kube/config, else the pod's service account. Unlike client-node's
 * `loadFromDefault`, it never falls back silently to http://localhost:8080: when nothing is
 * found it throws a KubeConfigError that says what to pass.
 */
export function loadKubeConfig(
  options: LoadKubeConfigOptions = {},
  environment: KubeConfigEnvironment = defaultEnvironment(),
): KubeConfig {
  if (options.inCluster && options.kubeconfigPath) {
    throw new KubeConfigError("choose one of --kubeconfig and --in-cluster, not both");
  }
  if (options.inCluster) return loadInCluster(environment);
  if (options.kubeconfigPath) return loadFiles(options.kubeconfigPath, "--kubeconfig");

  const fromEnv = environment.env.KUBECONFIG;
  if (fromEnv) return loadFiles(fromEnv, "KUBECONFIG");
  const homeConfig = join(environment.homeDir, ".kube", "config");
  if (existsSync(homeConfig)) return loadFiles(homeConfig, "~/.kube/config");
  if (environment.env.KUBERNETES_SERVICE_HOST) return loadInCluster(environment);
  throw new KubeConfigError(
    "no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, or run in a pod (--in-cluster)",
  );
}

function loadInCluster(environment: KubeConfigEnvironment): KubeConfig {
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = environment.env;
  if (!host || !port) {
    throw new KubeConfigError(
      "--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (is this running in a pod?)",
    );
  }
  const tokenPath = `${environment.serviceAccountPrefix}${SERVICE_ACCOUNT_TOKEN}`;
  if (!existsSync(tokenPath)) {
    throw new KubeConfigError(
      `--in-cluster: no service-account token at ${tokenPath} (is automountServiceAccountToken off?)`,
    );
  }
  // client-node reads the same two variables from process.env, which is what `env` is outside tests.
  const kc = new KubeConfig();
  kc.loadFromCluster(environment.serviceAccountPrefix);
  return kc;
}

function loadFiles(pathList: string, source: string): KubeConfig {
  const paths = pathList.split(delimiter).filter((path) => path !== "");
  const files = paths.map((path) => loadFile(path, source));
  const merged = new KubeConfig();
  // Like kubectl: the first file to set a current-context or define a name wins.
  merged.loadFromOptions({
    clusters: firstOfEachName(files.flatMap((kc) => kc.clusters)),
    users: firstOfEachName(files.flatMap((kc) => kc.users)),
    contexts: firstOfEachName(files.flatMap((kc) => kc.contexts)),
    currentContext: files.map((kc) => kc.currentContext).find(Boolean) ?? "",
  });
  if (!merged.currentContext) throw new KubeConfigError(`${source}: ${pathList} sets no current-context`);
  const context = merged.getContextObject(merged.currentContext);
  if (!context) throw new KubeConfigError(`${source}: the current context "${merged.currentContext}" is not defined`);
  if (!merged.getCurrentCluster()) {
    throw new KubeConfigError(`${source}: the cluster "${context.cluster}" of context "${context.name}" is not defined`);
  }
  return merged;
}

function loadFile(path: string, source: string): KubeConfig {
  if (!existsSync(path)) throw new KubeConfigError(`${source}: ${path} does not exist`);
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new KubeConfigError(`${source}: ${path} is not a valid kubeconfig: ${reason ?? ""}`, { cause: err });
  }
  return kc;
}

function firstOfEachName<T extends { name: string }>(entries: T[]): T[] {
  const seen = new Set<string>();
  return entries.filter((entry) => !seen.has(entry.name) && Boolean(seen.add(entry.name)));
}
