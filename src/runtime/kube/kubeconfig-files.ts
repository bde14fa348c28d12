/**
 * Kubeconfig files through @kubernetes/client-node, for the auth methods kubeconfig-plain.ts leaves
 * to it: exec and OIDC (auth-provider) plugins, HTTP and SOCKS proxies (proxy-url), impersonation.
 * Its config module loads the library's whole generated API (tens of MB), so kubeconfig.ts imports
 * this file only when the selected context needs one of those; tokens, client certificates and CA
 * files do without it (kubeconfig-plain.ts), as does a pod's own service account (in-cluster.ts).
 */
import { HttpMethod as ClientHttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { request, type Dispatcher } from "undici";
import { joinedHeaders, type HttpMethod, type KubeConnection, type KubeResponse } from "./http.ts";
import { KubeConfigError } from "./kubeconfig-error.ts";

/**
 * Loads and merges a KUBECONFIG-style list (`a:b`, already split); `contextName` (kubectl's --context)
 * or else the first file's current-context is used.
 */
export function loadKubeConfigFiles(
  paths: readonly string[],
  pathList: string,
  source: string,
  contextName?: string,
): KubeConfig {
  const files = paths.map((path) => loadFile(path, source));
  const merged = new KubeConfig();
  // Like kubectl: the first file to set a current-context or define a name wins.
  merged.loadFromOptions({
    clusters: firstOfEachName(files.flatMap((kc) => kc.clusters)),
    users: firstOfEachName(files.flatMap((kc) => kc.users)),
    contexts: firstOfEachName(files.flatMap((kc) => kc.contexts)),
    currentContext: files.map((kc) => kc.currentContext).find(Boolean) ?? "",
  });
  if (contextName !== undefined) {
    if (!merged.getContextObject(contextName)) {
      throw new KubeConfigError(`--context: context "${contextName}" is not defined in ${source} (${pathList})`);
    }
    merged.setCurrentContext(contextName);
  }
  if (!merged.currentContext) throw new KubeConfigError(`${source}: ${pathList} sets no current-context`);
  const context = merged.getContextObject(merged.currentContext);
  if (!context) throw new KubeConfigError(`${source}: the current context "${merged.currentContext}" is not defined`);
  if (!merged.getCurrentCluster()) {
    throw new KubeConfigError(
      `${source}: the cluster "${context.cluster}" of context "${context.name}" is not defined`,
    );
  }
  return merged;
}

function loadFile(path: string, source: string): KubeConfig {
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

/**
 * The connection of a KubeConfig's current context: per-request auth headers plus one dispatcher
 * kept for the connection's lifetime, over undici (client-node's dispatchers carry the TLS
 * material and any proxy). client-node builds a fresh undici Agent on every
 * `applySecurityAuthentication`; using each one would open a new connection pool per request, so
 * the first is kept and later ones are closed unused (their TLS material is the same: it comes
 * from the same cluster and user entries).
 */
export function kubeConfigConnection(kubeConfig: KubeConfig): KubeConnection {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new KubeConfigError("the kubeconfig has no current cluster");
  let kept: { dispatcher: Dispatcher | undefined } | undefined;
  return {
    server: cluster.server,
    async authenticate(url: string, method: HttpMethod) {
      const context = new RequestContext(url, ClientHttpMethod[method]);
      await kubeConfig.applySecurityAuthentication(context);
      const fresh = context.getDispatcher();
      if (!kept) {
        kept = { dispatcher: fresh };
      } else if (fresh && fresh !== kept.dispatcher) {
        void fresh.close().catch(() => undefined);
      }
      return { headers: { ...context.getHeaders() } };
    },
    async transmit(url, init): Promise<KubeResponse> {
      const answer = await request(url, {
        method: init.method,
        headers: init.headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
        ...(kept?.dispatcher ? { dispatcher: kept.dispatcher } : {}),
      });
      return {
        status: answer.statusCode,
        headers: joinedHeaders(answer.headers),
        body: answer.body,
        text: () => answer.body.text(),
      };
    },
  };
}
