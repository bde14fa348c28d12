/**
 * The operator's own request log, the same on both lanes: the operator's client reports every
 * finished HTTP exchange (the adapter's `onRequest` hook), and this turns each into the API request
 * an authorizer sees (verb, group, resource, subresource, namespace, name) with its status code.
 * Tests count requests through it instead of the simulated server's accounting, and a forbidden
 * answer (403) fails the file on the real lane, where RBAC is enforced.
 * The real lane's RBAC check reads the API server's audit log instead (api-audit.ts).
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiRequestRecord } from "../../src/runtime/kube/http.ts";
import { verbOf } from "../../src/sim/apiserver/resource-handler.ts";
import type { ApiRequest } from "./rbac.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/**
 * Where the real lane keeps what outlives its control planes: each shard's kube-apiserver audit
 * log (`audit-<shard>.log`, read by the RBAC check) and its skipped-test count (`skipped-<shard>.json`).
 */
export const REAL_LANE_DIR = join(repoRoot, ".real");

/** The paths of the files in REAL_LANE_DIR whose names match (none when the lane has not run). */
export function realLaneFiles(name: RegExp): string[] {
  if (!existsSync(REAL_LANE_DIR)) return [];
  return readdirSync(REAL_LANE_DIR)
    .filter((file) => name.test(file))
    .map((file) => join(REAL_LANE_DIR, file));
}

export interface LoggedRequest extends ApiRequest {
  code: number;
  /** Wall-clock time the answer arrived. */
  at: number;
}

export type RequestFilter = Partial<ApiRequest> & { code?: number };

/** The request an authorizer sees for one REST path (`/api/v1/...` or `/apis/<group>/<version>/...`). */
export function apiRequestOf(record: Pick<ApiRequestRecord, "verb" | "method" | "path">): ApiRequest | undefined {
  const segments = record.path.split("/").filter((segment) => segment !== "");
  let group: string;
  let rest: string[];
  if (segments[0] === "api") {
    group = "";
    rest = segments.slice(2);
  } else if (segments[0] === "apis") {
    group = segments[1] ?? "";
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  return {
    // The port says which GETs are watches; the query that says so is not in the record.
    verb: record.verb === "watch" ? "watch" : verbOf(record.method, { name }, new URLSearchParams()),
    group,
    resource,
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
  };
}

function matches(entry: LoggedRequest, filter: RequestFilter): boolean {
  return Object.entries(filter).every(([key, value]) => entry[key as keyof LoggedRequest] === value);
}

export class RequestLog {
  readonly entries: LoggedRequest[] = [];

  /** The hook to hand to `createKubePort(..., { onRequest })`. */
  readonly observer = (record: ApiRequestRecord): void => {
    const request = apiRequestOf(record);
    if (request) this.entries.push({ ...request, code: record.code, at: Date.now() });
  };

  count(filter: RequestFilter): number {
    return this.entries.filter((entry) => matches(entry, filter)).length;
  }

  forbidden(): LoggedRequest[] {
    return this.entries.filter((entry) => entry.code === 403);
  }
}
