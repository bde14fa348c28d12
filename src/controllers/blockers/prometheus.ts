/**
 * The few reads of the Prometheus and Alertmanager HTTP APIs the blockers need:
 * - Prometheus `GET /api/v1/alerts`: every alert of its rules, `state` pending or firing;
 * - Prometheus `GET /api/v1/query?query=...`: an instant query, `data.result` a vector, matrix,
 *   scalar or string (a scalar or string counts as a non-empty result);
 * - Alertmanager `GET /api/v2/alerts`: each alert with `status.state` active, suppressed (silenced
 *   or inhibited) or unprocessed, and its labels (Prometheus adds its external labels).
 * Any transport error, non-2xx answer, `status: "error"` or unexpected body throws, with the
 * reason: the caller turns that into a blocker that holds (fail closed).
 */
import { z } from "zod";

export interface HttpAuth {
  /** Value of the Authorization header. */
  authorization: string;
}

export interface HttpTarget {
  baseUrl: string;
  timeoutMs: number;
  auth: HttpAuth | undefined;
}

export type Labels = Record<string, string>;

const labels = z.record(z.string(), z.string());

const PrometheusAlerts = z.object({
  status: z.literal("success"),
  data: z.object({ alerts: z.array(z.object({ labels, state: z.string() })) }),
});

const PrometheusQuery = z.object({
  status: z.literal("success"),
  data: z.object({ resultType: z.string(), result: z.unknown() }),
});

const AlertmanagerAlerts = z.array(z.object({ labels, status: z.object({ state: z.string() }) }));

const PrometheusError = z.object({ status: z.literal("error"), errorType: z.string().optional(), error: z.string() });

async function getJson(target: HttpTarget, path: string): Promise<unknown> {
  const url = new URL(path, target.baseUrl.endsWith("/") ? target.baseUrl : `${target.baseUrl}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json", ...(target.auth ? { authorization: target.auth.authorization } : {}) },
      signal: AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    throw new Error(`GET ${url.origin}${url.pathname}: ${describeFailure(err)}`, { cause: err });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const apiError = PrometheusError.safeParse(body);
    const detail = apiError.success ? apiError.data.error : text.slice(0, 200);
    throw new Error(`GET ${url.origin}${url.pathname}: HTTP ${response.status}${detail ? `: ${detail}` : ""}`);
  }
  if (body === undefined) throw new Error(`GET ${url.origin}${url.pathname}: the answer is not JSON`);
  return body;
}

/** fetch's own message ("fetch failed") says little: the cause (ECONNREFUSED, a timeout) says why. */
function describeFailure(err: unknown): string {
  const message = (value: unknown): string | undefined =>
    typeof value === "object" && value !== null && "message" in value && typeof value.message === "string"
      ? value.message
      : undefined;
  const outer = message(err) ?? String(err);
  const cause = typeof err === "object" && err !== null && "cause" in err ? message(err.cause) : undefined;
  return cause ? `${outer}: ${cause}` : outer;
}

function parsed<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const apiError = PrometheusError.safeParse(body);
    throw new Error(apiError.success ? `${what}: ${apiError.data.error}` : `${what}: unexpected answer`);
  }
  return result.data;
}

/** Labels of every firing alert Prometheus reports. */
export async function firingAlerts(target: HttpTarget): Promise<Labels[]> {
  const body = parsed(PrometheusAlerts, await getJson(target, "api/v1/alerts"), "Prometheus alerts");
  return body.data.alerts.filter((alert) => alert.state === "firing").map((alert) => alert.labels);
}

/** How many series (or whether a scalar) an instant query returns. */
export async function queryResultSize(target: HttpTarget, query: string): Promise<number> {
  const path = `api/v1/query?query=${encodeURIComponent(query)}`;
  const body = parsed(PrometheusQuery, await getJson(target, path), "Prometheus query");
  const result = body.data.result;
  return Array.isArray(result) ? result.length : result === null || result === undefined ? 0 : 1;
}

/** Labels of the alerts Alertmanager suppresses (silenced or inhibited). */
export async function suppressedAlerts(target: HttpTarget): Promise<Labels[]> {
  const body = parsed(AlertmanagerAlerts, await getJson(target, "api/v2/alerts"), "Alertmanager alerts");
  return body.filter((alert) => alert.status.state === "suppressed").map((alert) => alert.labels);
}
