import { classifyStatus, KubeError, type KubeErrorDetails } from "./errors.ts";

/** The parts of a metav1.Status body the operator reads. */
export interface ApiStatus {
  kind: "Status";
  code?: number;
  reason?: string;
  message?: string;
  details?: {
    retryAfterSeconds?: number;
    causes?: { field?: string; message?: string; reason?: string }[];
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Narrows parsed JSON to a Status without trusting any field's type. */
export function asApiStatus(value: unknown): ApiStatus | undefined {
  if (!isRecord(value) || value.kind !== "Status") return undefined;
  const status: ApiStatus = { kind: "Status" };
  if (typeof value.code === "number") status.code = value.code;
  if (typeof value.reason === "string" && value.reason !== "") status.reason = value.reason;
  if (typeof value.message === "string") status.message = value.message;
  const details = value.details;
  if (isRecord(details)) {
    status.details = {};
    if (typeof details.retryAfterSeconds === "number") status.details.retryAfterSeconds = details.retryAfterSeconds;
    if (Array.isArray(details.causes)) {
      status.details.causes = details.causes.filter(isRecord).map((cause) => ({
        ...(typeof cause.field === "string" ? { field: cause.field } : {}),
        ...(typeof cause.message === "string" ? { message: cause.message } : {}),
        ...(typeof cause.reason === "string" ? { reason: cause.reason } : {}),
      }));
    }
  }
  return status;
}

/**
 * Seconds from a `Retry-After` header. The API server always sends whole seconds; the HTTP-date
 * form is not used by Kubernetes and is ignored rather than guessed at.
 */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (header == null) return undefined;
  const trimmed = header.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

/** A KubeError from a Status (in a response body or a watch ERROR event). */
export function kubeErrorFromStatus(status: ApiStatus, httpCode: number, retryAfterHeader?: number): KubeError {
  const code = status.code ?? httpCode;
  const details: KubeErrorDetails = { code };
  if (status.reason) details.reason = status.reason;
  const retryAfter = retryAfterHeader ?? status.details?.retryAfterSeconds;
  if (retryAfter !== undefined) details.retryAfterSeconds = retryAfter;
  if (status.details?.causes?.length) details.causes = status.details.causes;
  const message = status.message ?? `the API answered ${code}${status.reason ? ` ${status.reason}` : ""}`;
  return new KubeError(classifyStatus(code, status.reason), message, details);
}

/**
 * A KubeError for a failed HTTP answer. The body is usually a Status; when it is not (a proxy
 * in the way, an HTML error page), a short excerpt of it becomes the message.
 */
export function kubeErrorFromResponse(httpCode: number, bodyText: string, retryAfterHeader?: string | null): KubeError {
  const retryAfter = parseRetryAfter(retryAfterHeader);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    parsed = undefined;
  }
  const status = asApiStatus(parsed);
  if (status) return kubeErrorFromStatus({ ...status, code: httpCode }, httpCode, retryAfter);
  const excerpt = bodyText.trim().slice(0, 200);
  const details: KubeErrorDetails = { code: httpCode };
  if (retryAfter !== undefined) details.retryAfterSeconds = retryAfter;
  const message = `the API answered ${httpCode}${excerpt ? `: ${excerpt}` : ""}`;
  return new KubeError(classifyStatus(httpCode), message, details);
}
