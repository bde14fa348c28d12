import { systemClock, type Clock } from "../clock.ts";
import { kubeErrorFromResponse } from "./adapter-errors.ts";
import { KubeError, toKubeError } from "./errors.ts";
import { checkFence, type WriteFence, type WritesInFlight } from "./fenced-port.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * Where the API server is, how to authenticate to it and how to reach it: in a pod,
 * `inClusterConnection` (in-cluster.ts); from a kubeconfig file, `plainKubeconfigConnection`
 * (kubeconfig-plain.ts: tokens, client certificates, CAs, basic auth), both over node:https
 * (node-transport.ts), or, for exec and OIDC plugins and proxies, `kubeConfigConnection`
 * (kubeconfig-files.ts, through @kubernetes/client-node and undici).
 */
export interface KubeConnection {
  /** The API server's base URL (it may carry a path, e.g. behind Rancher's proxy). */
  server: string;
  /** Auth headers for one request (asked per request: tokens rotate, plugins refresh). */
  authenticate(url: string, method: HttpMethod): Promise<{ headers: Record<string, string> }>;
  /** Sends one request with the connection's TLS material and any proxy. */
  transmit: Transmit;
}

export interface TransmitRequest {
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request, or the answer's body once it came. */
  signal?: AbortSignal;
}

/** An HTTP answer whose body has not been read yet; read it once, as text or as a stream. */
export interface KubeResponse {
  status: number;
  /** Lower-case names; a repeated header's values joined with ", ". */
  headers: Record<string, string>;
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
}

/** Node's and undici's header records as KubeResponse headers. */
export function joinedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return joined;
}

/** Sends a request and resolves with the answer's status and headers; network failures reject. */
export type Transmit = (url: string, request: TransmitRequest) => Promise<KubeResponse>;

/** One finished HTTP exchange, for metrics; `code` is 0 when no answer came. */
export interface ApiRequestRecord {
  /** The port verb: get, list, watch, create, replace, apply, patch, patchStatus, delete, evict. */
  verb: string;
  method: HttpMethod;
  /** The path without its query string (names included: do not use it as a metric label). */
  path: string;
  code: number;
  durationMs: number;
}

export type ApiRequestObserver = (record: ApiRequestRecord) => void;

export interface KubeRequest {
  verb: string;
  method: HttpMethod;
  path: string;
  /** Starts with `?` when not empty (see `queryString`). */
  query?: string;
  /** Serialised as JSON; JSON is also valid YAML, so it serves apply-patch bodies too. */
  body?: unknown;
  contentType?: string;
  /** Aborts the request (and, for streams, the body). */
  signal?: AbortSignal;
}

export interface KubeHttpOptions {
  clock?: Clock;
  onRequest?: ApiRequestObserver;
  /** Deadline for a whole non-streaming exchange, body included. Default 30 s. */
  requestTimeoutMs?: number;
  userAgent?: string;
  /** Asked right before a non-GET request leaves (after auth, which may wait on a plugin). */
  fence?: WriteFence;
  /** Told of every non-GET request that passed the fence, and of its answer. */
  writesInFlight?: WritesInFlight;
}

export interface KubeHttp {
  /** Sends a request and returns the answer whatever its status; network failures reject with a Retriable KubeError. */
  send(request: KubeRequest): Promise<KubeResponse>;
  /**
   * Sends a request with the request deadline and returns the parsed JSON body of a 2xx answer;
   * other answers reject with the matching KubeError, except 404 when `notFoundAsUndefined`.
   */
  json(request: KubeRequest, notFoundAsUndefined?: boolean): Promise<unknown>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The transport under the port: the connection supplies auth headers and sends the request with
 * its TLS material and proxies. Auth is asked for per request so rotating tokens (bound
 * service-account tokens, exec credentials) are picked up.
 */
export function createKubeHttp(connection: KubeConnection, options: KubeHttpOptions = {}): KubeHttp {
  const clock = options.clock ?? systemClock;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const userAgent = options.userAgent ?? "rke2-lifecycle-operator";
  const server = connection.server.replace(/\/+$/, "");

  function observe(record: ApiRequestRecord): void {
    try {
      options.onRequest?.(record);
    } catch {
      // Metrics must never break an API call.
    }
  }

  async function send(request: KubeRequest): Promise<KubeResponse> {
    const url = `${server}${request.path}${request.query ?? ""}`;
    const started = clock.now();
    const record = (code: number): void => {
      observe({
        verb: request.verb,
        method: request.method,
        path: request.path,
        code,
        durationMs: clock.now() - started,
      });
    };
    let answered: ((code: number) => void) | undefined;
    try {
      const { headers } = await connection.authenticate(url, request.method);
      if (request.method !== "GET") {
        checkFence(options.fence, request.verb);
        answered = options.writesInFlight?.admit(`${request.method} ${request.path}`);
      }
      headers["User-Agent"] = userAgent;
      headers.Accept = "application/json";
      let body: string | undefined;
      if (request.body !== undefined) {
        body = JSON.stringify(request.body);
        headers["Content-Type"] = request.contentType ?? "application/json";
      }
      const response = await connection.transmit(url, {
        method: request.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      });
      record(response.status);
      answered?.(response.status);
      return response;
    } catch (err) {
      record(0);
      answered?.(0);
      throw toKubeError(err);
    }
  }

  async function json(request: KubeRequest, notFoundAsUndefined = false): Promise<unknown> {
    const controller = new AbortController();
    const cancelTimer = clock.setTimer(requestTimeoutMs, () => {
      controller.abort(
        new KubeError("Retriable", `${request.method} ${request.path} timed out after ${requestTimeoutMs} ms`, {
          code: 0,
        }),
      );
    });
    const signal = request.signal ? AbortSignal.any([request.signal, controller.signal]) : controller.signal;
    try {
      const response = await send({ ...request, signal });
      const text = await readText(response);
      if (notFoundAsUndefined && response.status === 404) return undefined;
      if (response.status < 200 || response.status > 299) {
        throw kubeErrorFromResponse(response.status, text, response.headers["retry-after"]);
      }
      return text === "" ? undefined : parseJson(text, request);
    } catch (err) {
      throw signal.aborted && !(err instanceof KubeError && err.details.code !== 0)
        ? toKubeError(signal.reason)
        : toKubeError(err);
    } finally {
      cancelTimer();
    }
  }

  return { send, json };
}

async function readText(response: KubeResponse): Promise<string> {
  try {
    return await response.text();
  } catch (err) {
    throw toKubeError(err);
  }
}

function parseJson(text: string, request: KubeRequest): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new KubeError("Retriable", `${request.method} ${request.path}: the answer is not JSON`, { code: 0 });
  }
}
