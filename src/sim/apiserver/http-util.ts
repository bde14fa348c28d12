/** Small HTTP helpers shared by the request handlers. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { ApiError, badRequest } from "./errors.ts";

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** JSON (or YAML, which is a superset) request bodies; empty means undefined. */
export function parseBody(text: string, contentType: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return contentType.includes("yaml") ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown);
  } catch (err) {
    throw badRequest(`error decoding request body: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds !== undefined) headers["Retry-After"] = String(err.details.retryAfterSeconds);
  sendJson(res, err.code, err.toStatus(), headers);
}

/** Whether the client asked for server-side printing (`Accept: application/json;as=Table;...`). */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? "").split(",").some((part) => /;\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

export function booleanParam(value: string | null): boolean {
  return value === "true" || value === "1";
}

export function numberParam(value: string | null, name: string): number | undefined {
  if (value === null || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${value}`);
  return n;
}

/** The field manager the real server derives from the User-Agent when none is given. */
export function managerFromUserAgent(userAgent: string | undefined): string {
  const prefix = (userAgent ?? "unknown").split("/")[0] ?? "unknown";
  return prefix.slice(0, 128) || "unknown";
}
