/**
 * The simulated kube-apiserver over plain HTTP: `startApiServer()` returns its URL, a kubeconfig
 * for kubectl and client libraries, request accounting and the mutable fault knobs.
 */
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock, type Clock } from "../../runtime/clock.ts";
import { silentLogger, type Logger } from "../../observability/logger.ts";
import { Catalog } from "./catalog.ts";
import { Deleter } from "./deletion.ts";
import { apiGroup, coreVersions, groupList, resourceList, versionInfo } from "./discovery.ts";
import { ApiError, internalError, notFoundPath, tooManyRequests } from "./errors.ts";
import { AuditLog } from "./audit.ts";
import { noFaults, pickFault, RequestAccounting, type FaultConfig } from "./faults.ts";
import { managerFromUserAgent, sendError, sendJson } from "./http-util.ts";
import { groupVersionDocument, openApiIndex } from "./openapi.ts";
import type { AuthorizationCheck } from "./owner-admission.ts";
import { handleResource, verbOf } from "./resource-handler.ts";
import { route, type Route } from "./router.ts";
import { ApiService } from "./service.ts";
import { ObjectStore, DEFAULT_HISTORY_LIMIT } from "./store.ts";

export interface ApiServerOptions {
  port?: number;
  host?: string;
  clock?: Clock;
  faults?: Partial<FaultConfig>;
  log?: Logger;
  /** gitVersion reported by /version. */
  gitVersion?: string;
  /** Watch events kept per resource before older resourceVersions answer 410. */
  historyLimit?: number;
  /** Interval of BOOKMARK events on watches that allow them (real server: about 1 min). */
  bookmarkIntervalMs?: number;
}

export interface SimApiServer {
  url: string;
  kubeconfigYaml(): string;
  writeKubeconfig(path: string): Promise<void>;
  requests: RequestAccounting;
  /** Authorization checks admission plugins would make on writes (owner-admission.ts), per client. */
  authorizationChecks: RequestAccounting;
  /** Mutable: change fields at any time to inject faults. */
  faults: FaultConfig;
  /** Per-request log like the real server's audit log; off until `audit.enabled = true`. */
  audit: AuditLog;
  /** Direct access for tests and the sim's own setup (never used by clients of the API). */
  store: ObjectStore;
  service: ApiService;
  stop(): Promise<void>;
}

export const DEFAULT_GIT_VERSION = "v1.31.4+rke2r1";

export async function startApiServer(options: ApiServerOptions = {}): Promise<SimApiServer> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? silentLogger();
  const gitVersion = options.gitVersion ?? DEFAULT_GIT_VERSION;
  const store = new ObjectStore(options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  const catalog = new Catalog();
  const service = new ApiService(store, catalog, clock);
  const deleter = new Deleter(service);
  const faults: FaultConfig = { ...noFaults(), ...options.faults };
  const requests = new RequestAccounting();
  const audit = new AuditLog();
  const authorizationChecks = new RequestAccounting();
  for (const name of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
    service.create(
      catalog.find("", "v1", "namespaces") ?? fail("namespaces"),
      "v1",
      undefined,
      { metadata: { name } },
      { manager: "kube-apiserver" },
    );
  }
  let address = "";
  const deps = {
    service,
    deleter,
    clock,
    onAuthorizationChecks: (checks: AuthorizationCheck[], client: string) => {
      for (const check of checks) authorizationChecks.record({ ...check, client });
    },
    watchTuning: () => ({
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      defaultTimeoutMs: 30 * 60_000,
      dropAfterMs: faults.dropWatchEverySeconds * 1000,
      abruptDrop: faults.abruptWatchDrops,
      forceGone: faults.goneOnReconnectRate > 0 && Math.random() < faults.goneOnReconnectRate,
      delayedResource: faults.delayedWatchResource,
      eventDelayMs: faults.watchDelayMs,
    }),
  };

  const discovery = (r: Route): unknown => {
    switch (r.type) {
      case "version":
        return versionInfo(gitVersion);
      case "health":
        return undefined;
      case "coreVersions":
        return coreVersions(address);
      case "groupList":
        return groupList(catalog);
      case "group":
        return apiGroup(catalog, r.group);
      case "resourceList":
        return resourceList(catalog, r.group, r.version);
      case "openapiIndex":
        return openApiIndex(catalog, gitVersion);
      case "openapiGroupVersion":
        return groupVersionDocument(catalog, r.group, r.version, gitVersion);
      default:
        return undefined;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://sim");
    const r = route(url.pathname);
    const method = req.method ?? "GET";
    if (r.type === "resource") {
      const def = catalog.find(r.group, r.version, r.plural);
      const verb = verbOf(method, r, url.searchParams);
      const requestName = nameOfRequest(r.name, url.searchParams);
      const key = {
        verb,
        group: r.group,
        resource: r.subresource ? `${r.plural}/${r.subresource}` : r.plural,
        namespace: r.namespace ?? "",
        ...(requestName ? { name: requestName } : {}),
      };
      const client = managerFromUserAgent(req.headers["user-agent"]);
      requests.record({ ...key, client });
      if (audit.enabled) {
        const receivedAt = Date.now();
        res.once("finish", () => {
          audit.record({ ...key, receivedAt, userAgent: req.headers["user-agent"] ?? "", code: res.statusCode });
        });
      }
      if (faults.latencyMs > 0) await clock.sleep(faults.latencyMs);
      if (verb !== "watch" && (faults.faultyClient === "" || faults.faultyClient === client)) {
        const fault = pickFault(faults);
        if (fault?.code === 500) throw internalError("injected fault");
        if (fault?.code === 429)
          throw tooManyRequests("injected fault: too many requests, please try again later", {
            retryAfterSeconds: fault.retryAfterSeconds,
          });
      }
      if (!def) throw notFoundPath();
      await handleResource(
        deps,
        {
          def,
          version: r.version,
          namespace: def.namespaced ? r.namespace : undefined,
          name: r.name,
          subresource: r.subresource,
        },
        req,
        res,
        url.searchParams,
      );
      return;
    }
    requests.record({ verb: "get", group: "", resource: url.pathname, namespace: "" });
    if (r.type === "health") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (method !== "GET") throw notFoundPath();
    const doc = discovery(r);
    if (doc === undefined) throw notFoundPath();
    sendJson(res, 200, doc);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const apiError = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
      if (!(err instanceof ApiError)) log.error({ err, url: req.url }, "simulated API server failed a request");
      if (res.headersSent) res.end();
      else sendError(res, apiError);
    });
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `http://${address}`;
  log.info({ url }, "simulated API server listening");
  const kubeconfigYaml = (): string => kubeconfigFor(url);
  return {
    url,
    kubeconfigYaml,
    writeKubeconfig: (path) => writeFile(path, kubeconfigYaml(), { mode: 0o600 }),
    requests,
    authorizationChecks,
    faults,
    audit,
    store,
    service,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

function fail(what: string): never {
  throw new Error(`built-in resource missing: ${what}`);
}

export function kubeconfigFor(url: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: sim",
    "  cluster:",
    `    server: ${url}`,
    // @kubernetes/client-node refuses plain http unless TLS verification is explicitly skipped.
    "    insecure-skip-tls-verify: true",
    "users:",
    "- name: sim-admin",
    "  user:",
    "    token: sim-admin-token",
    "contexts:",
    "- name: sim",
    "  context:",
    "    cluster: sim",
    "    user: sim-admin",
    "    namespace: default",
    "current-context: sim",
    "",
  ].join("\n");
}

/**
 * The object name a request is about, as kube-apiserver's RequestInfo resolves it for
 * authorization: the URL's name, or for a collection read a `metadata.name=` field selector
 * (so RBAC scoped by resourceNames can allow a single-object list/watch).
 */
function nameOfRequest(urlName: string | undefined, query: URLSearchParams): string | undefined {
  if (urlName) return urlName;
  const selector = query.get("fieldSelector") ?? "";
  return /^metadata\.name=([^,]+)$/.exec(selector)?.[1];
}
