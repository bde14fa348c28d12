/**
 * A small Prometheus- and Alertmanager-compatible HTTP server for the blocker tests (loopback,
 * node:http), with only what the operator reads:
 * - Prometheus `GET /api/v1/alerts` (`{status: "success", data: {alerts: [{labels, state, ...}]}}`),
 * - Prometheus `GET /api/v1/query?query=` (a vector; an unknown query is a 400 `bad_data` error,
 *   as Prometheus answers a query it cannot parse),
 * - Alertmanager `GET /api/v2/alerts` (each alert with `status.state` active or suppressed, the
 *   latter when a silence's equality matchers all hold).
 * It is simulated: alerts, query results and silences are set by the test, not evaluated.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Labels = Record<string, string>;

export interface FakeAlert {
  labels: Labels;
  state: "firing" | "pending";
}

export class FakePrometheus {
  alerts: FakeAlert[] = [];
  /** Results of known queries (series labels); any other query is a bad query. */
  queries = new Map<string, Labels[]>();
  /** Equality matchers of the active silences. */
  silences: Labels[] = [];
  /** When set, every request must carry this Authorization header (else 401). */
  requireAuthorization: string | undefined;
  /** Requests received, as `METHOD path`. */
  readonly requests: string[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      this.handle(req, res);
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  fire(alertname: string, labels: Labels = {}): void {
    this.alerts.push({ labels: { alertname, ...labels }, state: "firing" });
  }

  silence(matchers: Labels): void {
    this.silences.push(matchers);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    this.requests.push(`${req.method ?? ""} ${url.pathname}`);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (this.requireAuthorization !== undefined && req.headers.authorization !== this.requireAuthorization) {
      res.writeHead(401, { "content-type": "text/plain" });
      res.end("Unauthorized");
      return;
    }
    if (req.method !== "GET") {
      send(405, { status: "error", errorType: "bad_data", error: "GET only" });
      return;
    }
    switch (url.pathname) {
      case "/api/v1/alerts": {
        send(200, {
          status: "success",
          data: {
            alerts: this.alerts.map((alert) => ({
              ...alert,
              annotations: {},
              activeAt: "2026-01-01T00:00:00Z",
              value: "1e+00",
            })),
          },
        });
        return;
      }
      case "/api/v1/query": {
        const query = url.searchParams.get("query") ?? "";
        const result = this.queries.get(query);
        if (!result) {
          send(400, { status: "error", errorType: "bad_data", error: `cannot parse ${query}` });
          return;
        }
        send(200, {
          status: "success",
          data: { resultType: "vector", result: result.map((metric) => ({ metric, value: [0, "1"] })) },
        });
        return;
      }
      case "/api/v2/alerts": {
        send(
          200,
          this.alerts
            .filter((alert) => alert.state === "firing")
            .map((alert) => {
              const silenced = this.silences.some((m) => Object.entries(m).every(([k, v]) => alert.labels[k] === v));
              return {
                labels: { ...alert.labels, prometheus: "monitoring/k8s" },
                annotations: {},
                status: {
                  state: silenced ? "suppressed" : "active",
                  silencedBy: silenced ? ["s1"] : [],
                  inhibitedBy: [],
                },
              };
            }),
        );
        return;
      }
      default: {
        send(404, { status: "error", errorType: "not_found", error: "not found" });
        return;
      }
    }
  }
}
