/**
 * The connection of a kubeconfig's context for the common shapes, without @kubernetes/client-node
 * (whose config module loads its whole generated API, tens of MB): a server verified against
 * `certificate-authority(-data)` or not at all (`insecure-skip-tls-verify`), `tls-server-name`, a
 * client certificate (`client-certificate(-data)`, `client-key(-data)`), a bearer `token` or
 * `tokenFile`, basic auth (`username`, `password`). What it means follows client-go's
 * tools/clientcmd (client_config.go, validation.go); anything else (exec and auth-provider plugins,
 * `proxy-url`, impersonation) is left to client-node (kubeconfig-files.ts).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { systemClock, type Clock } from "../clock.ts";
import type { KubeConnection } from "./http.ts";
import { KubeConfigError } from "./kubeconfig-error.ts";
import { nodeTransport } from "./node-transport.ts";
import type { KubeconfigEntry, KubeconfigSelection } from "./kubeconfig-read.ts";
import { cachedFileToken } from "./token-file.ts";

/** `disable-compression` and `extensions` change nothing here: no request asks for compression. */
const PLAIN_CLUSTER_FIELDS = new Set([
  "server",
  "certificate-authority",
  "certificate-authority-data",
  "insecure-skip-tls-verify",
  "tls-server-name",
  "disable-compression",
  "extensions",
]);
const PLAIN_USER_FIELDS = new Set([
  "token",
  "tokenFile",
  "client-certificate",
  "client-certificate-data",
  "client-key",
  "client-key-data",
  "username",
  "password",
  "extensions",
]);

/**
 * The fields of the selected cluster and user this file cannot serve (`user exec`,
 * `cluster proxy-url`, ...); empty when plainKubeconfigConnection can connect on its own.
 */
export function fieldsNeedingClientNode(selection: KubeconfigSelection): string[] {
  const unknown = (entry: KubeconfigEntry | undefined, known: Set<string>, kind: string): string[] =>
    Object.entries(entry?.fields ?? {})
      .filter(([key, value]) => value !== null && value !== undefined && !known.has(key))
      .map(([key]) => `${kind} ${key}`);
  return [
    ...unknown(selection.cluster, PLAIN_CLUSTER_FIELDS, "cluster"),
    ...unknown(selection.user, PLAIN_USER_FIELDS, "user"),
  ];
}

/**
 * The connection of the selected context; `source` names the kubeconfig in errors. Files named
 * in the entries are read now (a token file again once a minute, as client-go's cached token file).
 */
export function plainKubeconfigConnection(
  selection: KubeconfigSelection,
  source: string,
  clock: Clock = systemClock,
): KubeConnection {
  const { cluster, user } = selection;
  const server = field(cluster, "server", source);
  if (!server || !/^https?:\/\//.test(server)) {
    throw new KubeConfigError(`${source}: the server "${server}" of cluster "${cluster.name}" is not an http(s) URL`);
  }
  const insecure = cluster.fields["insecure-skip-tls-verify"] === true;
  const ca = material(cluster, "certificate-authority", source);
  if (insecure && ca) {
    // client-go's transport refuses the pair as well.
    throw new KubeConfigError(
      `${source}: cluster "${cluster.name}" sets both insecure-skip-tls-verify and a certificate authority`,
    );
  }
  const servername = field(cluster, "tls-server-name", source);
  const cert = user && material(user, "client-certificate", source);
  const key = user && material(user, "client-key", source);
  if (cert && !key) {
    throw new KubeConfigError(
      `${source}: user "${user.name}" has a client certificate but no client-key or client-key-data`,
    );
  }
  const transmit = nodeTransport(server, {
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(insecure ? { rejectUnauthorized: false } : {}),
    ...(servername ? { servername } : {}),
  });
  const authorization = user ? authorizationOf(user, source, clock) : () => undefined;
  return {
    server: server.replace(/\/+$/, ""),
    authenticate() {
      const value = authorization();
      const headers: Record<string, string> = value ? { Authorization: value } : {};
      return Promise.resolve({ headers });
    },
    transmit,
  };
}

/** The Authorization header of a user: a bearer token (tokenFile read again once a minute) or basic. */
function authorizationOf(user: KubeconfigEntry, source: string, clock: Clock): () => string | undefined {
  const token = field(user, "token", source);
  const tokenFile = field(user, "tokenFile", source);
  const username = field(user, "username", source);
  const password = field(user, "password", source);
  if ((token || tokenFile) && (username || password)) {
    throw new KubeConfigError(
      `${source}: user "${user.name}" has both a token and a username/password; only one is allowed`,
    );
  }
  if (tokenFile) {
    // client-go reads the file at once unless `token` is set too, and then prefers what the file holds.
    const current = cachedFileToken(resolvePath(user, tokenFile), clock, token);
    try {
      current();
    } catch (err) {
      throw new KubeConfigError(`${source}: unable to read the tokenFile of user "${user.name}": ${reason(err)}`, {
        cause: err,
      });
    }
    return () => `Bearer ${current()}`;
  }
  if (token) return () => `Bearer ${token}`;
  if (username || password) {
    const basic = `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
    return () => basic;
  }
  return () => undefined;
}

/** `<name>-data` (base64) or the file `<name>` names; client-go refuses an entry with both. */
function material(entry: KubeconfigEntry, name: string, source: string): Buffer | undefined {
  const data = field(entry, `${name}-data`, source);
  const file = field(entry, name, source);
  if (data && file) {
    throw new KubeConfigError(`${source}: ${name}-data and ${name} are both specified for "${entry.name}"`);
  }
  if (data) return Buffer.from(data, "base64");
  if (!file) return undefined;
  const path = resolvePath(entry, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new KubeConfigError(`${source}: unable to read ${name} ${path} for "${entry.name}": ${reason(err)}`, {
      cause: err,
    });
  }
}

/** A path relative to the folder of the entry's kubeconfig file (client-go's ResolveLocalPaths). */
function resolvePath(entry: KubeconfigEntry, path: string): string {
  return isAbsolute(path) ? path : join(entry.dir, path);
}

function field(entry: KubeconfigEntry, key: string, source: string): string | undefined {
  const value = entry.fields[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new KubeConfigError(`${source}: ${key} of "${entry.name}" is not a string`);
  return value;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
