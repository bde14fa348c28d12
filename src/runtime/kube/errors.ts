/**
 * Every failure of the port is a KubeError with a class the caller can act on:
 * - NotFound / AlreadyExists / Conflict: expected outcomes of level-triggered code;
 * - TooManyRequests: back off (a PDB refusing an eviction, or API priority and fairness);
 * - Gone: a watch's resourceVersion is too old, relist;
 * - Invalid / Forbidden / Unauthorized / BadRequest: retrying will not help (terminal);
 * - Retriable: network errors, timeouts and 5xx.
 */
export type KubeErrorClass =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "TooManyRequests"
  | "Gone"
  | "Invalid"
  | "Forbidden"
  | "Unauthorized"
  | "BadRequest"
  | "Retriable";

export interface KubeErrorDetails {
  /** HTTP status code, 0 when the request never got an answer. */
  code: number;
  /** The `reason` of the API's Status body, when there was one. */
  reason?: string;
  /** Seconds the server asked us to wait (Retry-After or Status details). */
  retryAfterSeconds?: number;
  /** Field causes from a 422 Invalid. */
  causes?: { field?: string; message?: string; reason?: string }[];
}

export class KubeError extends Error {
  readonly errorClass: KubeErrorClass;
  readonly details: KubeErrorDetails;

  constructor(errorClass: KubeErrorClass, message: string, details: KubeErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeError";
    this.errorClass = errorClass;
    this.details = details;
  }

  get terminal(): boolean {
    return isTerminalClass(this.errorClass);
  }
}

const TERMINAL: ReadonlySet<KubeErrorClass> = new Set(["Invalid", "Forbidden", "Unauthorized", "BadRequest"]);

export function isTerminalClass(errorClass: KubeErrorClass): boolean {
  return TERMINAL.has(errorClass);
}

/** Classifies an HTTP answer the way client-go's apierrors does (status code first, then reason). */
export function classifyStatus(code: number, reason?: string): KubeErrorClass {
  if (reason === "AlreadyExists") return "AlreadyExists";
  if (reason === "Expired" || code === 410) return "Gone";
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 409:
      return "Conflict";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    default:
      return "Retriable";
  }
}

export function isKubeError(err: unknown, errorClass?: KubeErrorClass): err is KubeError {
  return err instanceof KubeError && (errorClass === undefined || err.errorClass === errorClass);
}

export const isNotFound = (err: unknown): boolean => isKubeError(err, "NotFound");
export const isConflict = (err: unknown): boolean => isKubeError(err, "Conflict");
export const isAlreadyExists = (err: unknown): boolean => isKubeError(err, "AlreadyExists");

/** Wraps anything thrown below the port (socket errors, timeouts) as a Retriable KubeError. */
export function toKubeError(err: unknown): KubeError {
  if (err instanceof KubeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new KubeError("Retriable", message, { code: 0 }, { cause: err });
}
