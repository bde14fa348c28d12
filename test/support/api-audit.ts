/**
 * What the API server says it received, for tests that must prove who wrote what and when (the
 * chaos tests). Sim lane: the simulated API server's audit log. Real lane: this is the one place
 * to read the kube-apiserver's audit log instead (same fields: requestReceivedTimestamp,
 * userAgent, verb, objectRef, responseStatus.code).
 */
import type { AuditEntry } from "../../src/sim/apiserver/audit.ts";
import type { Sim } from "../../src/sim/index.ts";

export type ApiRequest = AuditEntry;

/** Verbs that change something; an eviction is a `create` of `pods/eviction`. */
export const MUTATING_VERBS: ReadonlySet<string> = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Starts recording every request (before the replicas under test start). */
export function startApiAudit(sim: Sim): void {
  if (!sim.apiServer) throw new Error("no audit log on this lane yet: read the kube-apiserver audit log here");
  sim.apiServer.audit.enabled = true;
}

/** Every request received so far, oldest first. */
export function apiRequests(sim: Sim): ApiRequest[] {
  if (!sim.apiServer) throw new Error("no audit log on this lane yet: read the kube-apiserver audit log here");
  return sim.apiServer.audit.list();
}

/** Mutating requests sent with this User-Agent and received at or after `sinceMs` (wall clock). */
export function mutatingRequestsOf(sim: Sim, userAgent: string, sinceMs: number): ApiRequest[] {
  return apiRequests(sim).filter((r) => r.userAgent === userAgent && r.receivedAt >= sinceMs && MUTATING_VERBS.has(r.verb));
}
