/**
 * The transport of the connections that need no plugin (in-cluster.ts, kubeconfig-plain.ts):
 * node:http(s) with one keep-alive Agent per connection. undici (the npm package, which
 * client-node's plugins and proxies still use, kubeconfig-files.ts) costs about 19 MB more RSS to
 * load than node:https in the image's Node (docs/upgrades.md); a pod's operator loads neither
 * undici nor client-node.
 */
import type { IncomingMessage } from "node:http";
import type { AgentOptions } from "node:https";
import { http, https } from "../node-http.ts";
import { joinedHeaders, type KubeResponse, type Transmit, type TransmitRequest } from "./http.ts";

/** client-go's TCP keep-alive probe delay (30 s, shorter than cloud load balancers' 60 s idle timeout). */
const KEEP_ALIVE_PROBE_DELAY_MS = 30_000;
/**
 * How long an idle pooled connection is kept: under kube-apiserver's 90 s idle timeout, so the
 * server does not close one as it is reused. Node lowers it to a server's `Keep-Alive: timeout=N`
 * hint less a second (a Node server's 5 s, as the simulator's) but only when a timeout is set.
 */
const IDLE_CONNECTION_TIMEOUT_MS = 60_000;

/** TLS material for an https server; ignored for http. */
export type TlsOptions = Pick<AgentOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername">;

type Send = (url: string, request: TransmitRequest) => Promise<KubeResponse>;

/**
 * Sends requests to `server` (http or https) over one pooled keep-alive Agent. Node's client never
 * follows redirects; an aborted signal destroys the request, or its answer's body once it came.
 * A GET whose pooled connection the server had closed is sent again once on a new one, as Go's
 * transport retries a replayable request (net/http `shouldRetryRequest`); a write is not.
 */
export function nodeTransport(server: string, tls: TlsOptions = {}): Transmit {
  const secure = new URL(server).protocol === "https:";
  const pooled = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_PROBE_DELAY_MS, timeout: IDLE_CONNECTION_TIMEOUT_MS };
  const agent = secure ? new https.Agent({ ...pooled, ...tls }) : new http.Agent(pooled);
  const send = secure ? https.request : http.request;
  const once = (url: string, request: TransmitRequest): Promise<KubeResponse> =>
    new Promise<KubeResponse>((resolve, reject) => {
      // Node sends a DELETE's body (DeleteOptions) without a length unless told: the server would
      // then read it as the start of the next request on the kept-alive connection.
      const headers =
        request.body === undefined
          ? request.headers
          : { ...request.headers, "Content-Length": String(Buffer.byteLength(request.body)) };
      const outgoing = send(
        url,
        {
          method: request.method,
          headers,
          agent,
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (answer) => {
          resolve(responseOf(answer));
        },
      );
      outgoing.on("error", (err: NodeJS.ErrnoException) => {
        reject(outgoing.reusedSocket && STALE_CONNECTION_CODES.has(err.code ?? "") ? new StaleConnection(err) : err);
      });
      outgoing.end(request.body);
    });
  return retryStaleGets(once);
}

/** What a request on a pooled connection the server already closed fails with. */
const STALE_CONNECTION_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE"]);

class StaleConnection extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

function retryStaleGets(send: Send): Send {
  return async (url, request) => {
    try {
      return await send(url, request);
    } catch (err) {
      if (!(err instanceof StaleConnection)) throw err;
      if (request.method !== "GET" || request.signal?.aborted) throw err.cause;
      return send(url, request).catch((again: unknown) => {
        throw again instanceof StaleConnection ? again.cause : again;
      });
    }
  };
}

function responseOf(answer: IncomingMessage): KubeResponse {
  return {
    status: answer.statusCode ?? 0,
    headers: joinedHeaders(answer.headers),
    body: answer,
    async text() {
      // Decoded chunk by chunk: each socket read is freed as it comes, and the text grows in V8's
      // heap, which gives a list page's megabytes back after parsing. Kept as Buffers to the end,
      // they filled malloc's heap, which seldom shrinks (docs/operations.md "Sizing").
      answer.setEncoding("utf8");
      let text = "";
      for await (const chunk of answer) text += chunk as string;
      return text;
    },
  };
}
