/**
 * What the API server says it received, for tests that must prove who wrote what and when (the
 * chaos tests). Sim lane: the simulated API server's audit log. Real lane: the kube-apiserver's
 * audit log (RKE2_LIFECYCLE_TEST_AUDIT_LOG), which records the operator's identity; each entry
 * keeps requestReceivedTimestamp, userAgent, verb, objectRef and responseStatus.code.
 */
import { existsSync, readFileSync } from "node:fs";
import type { AuditEntry } from "../../src/sim/apiserver/audit.ts";
import type { Sim } from "../../src/sim/index.ts";
import { AUDIT_LOG_ENV } from "./lane-env.ts";

export type ApiRequest = AuditEntry;

/** Verbs that change something; an eviction is a `create` of `pods/eviction`. */
export const MUTATING_VERBS: ReadonlySet<string> = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Starts recording every request (before the replicas under test start); the real server always does. */
export function startApiAudit(sim: Sim): void {
  if (sim.apiServer) sim.apiServer.audit.enabled = true;
  else if (!process.env[AUDIT_LOG_ENV]) throw new Error(`${AUDIT_LOG_ENV} is not set: no audit log to read`);
}

interface AuditEvent {
  verb: string;
  user: { username: string };
  userAgent?: string;
  requestReceivedTimestamp: string;
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
}

/** A kube-apiserver audit log entry, with the user that sent the request. */
export type AuditedRequest = ApiRequest & { username: string };

/** The resource requests in a kube-apiserver audit log (JSON lines), oldest first. */
export function readAuditLog(path: string): AuditedRequest[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.objectRef?.resource)
    .map((event) => ({
      username: event.user.username,
      receivedAt: Date.parse(event.requestReceivedTimestamp),
      userAgent: event.userAgent ?? "",
      verb: event.verb,
      group: event.objectRef?.apiGroup ?? "",
      resource: [event.objectRef?.resource, event.objectRef?.subresource].filter(Boolean).join("/"),
      namespace: event.objectRef?.namespace ?? "",
      ...(event.objectRef?.name ? { name: event.objectRef.name } : {}),
      code: event.responseStatus?.code ?? 0,
    }));
}

/** Every request received so far, oldest first. */
export function apiRequests(sim: Sim): ApiRequest[] {
  if (sim.apiServer) return sim.apiServer.audit.list();
  const path = process.env[AUDIT_LOG_ENV];
  if (!path) throw new Error(`${AUDIT_LOG_ENV} is not set: no audit log to read`);
  return readAuditLog(path);
}

/** Mutating requests sent with this User-Agent and received at or after `sinceMs` (wall clock). */
export function mutatingRequestsOf(sim: Sim, userAgent: string, sinceMs: number): ApiRequest[] {
  return apiRequests(sim).filter(
    (r) => r.userAgent === userAgent && r.receivedAt >= sinceMs && MUTATING_VERBS.has(r.verb),
  );
}
