/**
 * The transport of the connections that need no plugin (in-cluster.ts, kubeconfig-plain.ts):
 * node:http(s) with one keep-alive Agent per connection. undici (the npm package, which
 * client-node's plugins and proxies still use, kubeconfig-files.ts) costs about 19 MB more RSS to
 * load than node:https in the image's Node (docs/upgrades.md); a pod's operator loads neither
 * undici nor client-node.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from "node:https";
import { joinedHeaders, type KubeResponse, type Transmit } from "./http.ts";

/** client-go's TCP keep-alive probe delay (30 s, shorter than cloud load balancers' 60 s idle timeout). */
const KEEP_ALIVE_PROBE_DELAY_MS = 30_000;

/** TLS material for an https server; ignored for http. */
export type TlsOptions = Pick<AgentOptions, "ca" | "cert" | "key" | "rejectUnauthorized" | "servername">;

/**
 * Sends requests to `server` (http or https) over one pooled keep-alive Agent. Node's client never
 * follows redirects; an aborted signal destroys the request, or its answer's body once it came.
 */
export function nodeTransport(server: string, tls: TlsOptions = {}): Transmit {
  const secure = new URL(server).protocol === "https:";
  const keepAlive = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_PROBE_DELAY_MS };
  const agent = secure ? new HttpsAgent({ ...keepAlive, ...tls }) : new HttpAgent(keepAlive);
  const send = secure ? httpsRequest : httpRequest;
  return (url, request) =>
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
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
}

function responseOf(answer: IncomingMessage): KubeResponse {
  return {
    status: answer.statusCode ?? 0,
    headers: joinedHeaders(answer.headers),
    body: answer,
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of answer) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
