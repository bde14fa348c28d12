import { existsSync, readFileSync } from "node:fs";
import { isIPv6 } from "node:net";
import { systemClock, type Clock } from "../clock.ts";
import type { KubeConnection } from "./http.ts";
import { KubeConfigError } from "./kubeconfig-error.ts";
import { nodeTransport } from "./node-transport.ts";
import { cachedFileToken } from "./token-file.ts";

/** Where a pod's service account is mounted (prefixed by `serviceAccountPrefix` in tests). */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterOptions {
  env: Record<string, string | undefined>;
  /** Prefix of the service-account mount, "" in a real pod. */
  serviceAccountPrefix: string;
  clock?: Clock;
}

/**
 * The pod's own connection to the API server, without @kubernetes/client-node (whose config
 * module loads its whole generated API): https://KUBERNETES_SERVICE_HOST:PORT, the server
 * verified against the mounted ca.crt, and the mounted token as bearer. The kubelet rotates
 * that token (bound service-account tokens), so it is read again once a minute (token-file.ts).
 */
export function inClusterConnection(options: InClusterOptions): KubeConnection {
  const { KUBERNETES_SERVICE_HOST: host, KUBERNETES_SERVICE_PORT: port } = options.env;
  if (!host || !port) {
    throw new KubeConfigError(
      "--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (is this running in a pod?)",
    );
  }
  const dir = `${options.serviceAccountPrefix}${SERVICE_ACCOUNT_DIR}`;
  const tokenPath = `${dir}/token`;
  const caPath = `${dir}/ca.crt`;
  for (const [path, what] of [
    [tokenPath, "token"],
    [caPath, "CA certificate"],
  ] as const) {
    if (!existsSync(path)) {
      throw new KubeConfigError(
        `--in-cluster: no service-account ${what} at ${path} (is automountServiceAccountToken off?)`,
      );
    }
  }
  const currentToken = cachedFileToken(tokenPath, options.clock ?? systemClock);
  const server = `https://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  return {
    server,
    authenticate() {
      return Promise.resolve({ headers: { Authorization: `Bearer ${currentToken()}` } });
    },
    transmit: nodeTransport(server, { ca: readFileSync(caPath, "utf8") }),
  };
}
