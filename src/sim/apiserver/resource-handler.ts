/** The verbs on /api(s)/<group>/<version>/...: get, list, watch, create, update, patch, delete. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Clock } from "../../runtime/clock.ts";
import { serverSideApply } from "./apply.ts";
import type { Deleter, DeleteRequest } from "./deletion.ts";
import { ApiError, badRequest, methodNotAllowed, notFoundPath, unsupportedMediaType } from "./errors.ts";
import { decideEviction, enforceDecision } from "./eviction.ts";
import {
  booleanParam,
  managerFromUserAgent,
  numberParam,
  parseBody,
  readBody,
  sendJson,
  wantsTable,
} from "./http-util.ts";
import { isObject, metaOf, stringField, type JsonObject } from "./json.ts";
import { applyJsonPatch, mergePatch, strategicMerge } from "./patch.ts";
import { ownerReferenceChecks, type AuthorizationCheck } from "./owner-admission.ts";
import { apiVersionOf, type ResourceDef } from "./resources.ts";
import type { ApiService } from "./service.ts";
import { includeObjectOf, printerFor, toTable } from "./table.ts";
import { serveWatch, type WatchTuning } from "./watch.ts";

export interface ResourceTarget {
  def: ResourceDef;
  version: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export interface ResourceHandlerDeps {
  service: ApiService;
  deleter: Deleter;
  clock: Clock;
  watchTuning: () => WatchTuning;
  /** Authorization checks admission would make for a write, with the client that wrote. */
  onAuthorizationChecks?: (checks: AuthorizationCheck[], client: string) => void;
}

const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"];

/** The accounting verb of a request, as the real server's audit/metrics name it. */
export function verbOf(method: string, target: Pick<ResourceTarget, "name">, query: URLSearchParams): string {
  switch (method) {
    case "GET":
      if (booleanParam(query.get("watch"))) return "watch";
      return target.name ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return target.name ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

function deleteRequestOf(body: unknown, query: URLSearchParams): DeleteRequest {
  const options = isObject(body) ? body : {};
  const request: DeleteRequest = {};
  const grace =
    typeof options.gracePeriodSeconds === "number"
      ? options.gracePeriodSeconds
      : numberParam(query.get("gracePeriodSeconds"), "gracePeriodSeconds");
  if (grace !== undefined) request.gracePeriodSeconds = grace;
  const policy = stringField(options, "propagationPolicy") ?? query.get("propagationPolicy") ?? undefined;
  if (policy !== undefined) {
    if (!["Foreground", "Background", "Orphan"].includes(policy))
      throw badRequest(`propagationPolicy: Unsupported value: "${policy}"`);
    request.propagationPolicy = policy;
  }
  if (options.orphanDependents === true) request.propagationPolicy = "Orphan";
  if (isObject(options.preconditions)) {
    request.preconditions = {
      uid: stringField(options.preconditions, "uid"),
      resourceVersion: stringField(options.preconditions, "resourceVersion"),
    };
  }
  return request;
}

export async function handleResource(
  deps: ResourceHandlerDeps,
  target: ResourceTarget,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): Promise<void> {
  const { service, deleter } = deps;
  const { def, version, namespace, name, subresource } = target;
  const method = req.method ?? "GET";
  const contentType = (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  const body = method === "GET" ? undefined : parseBody(await readBody(req), contentType);
  if (query.get("dryRun")) throw badRequest("dryRun is not supported by the simulated API server");
  const manager = query.get("fieldManager") ?? managerFromUserAgent(req.headers["user-agent"]);
  const options = { manager, fieldValidation: query.get("fieldValidation") ?? undefined };
  const table = wantsTable(req.headers.accept);
  const present = (o: JsonObject): JsonObject => service.present(def, version, o);
  const printer = printerFor(def, version);
  const storedBefore = (): JsonObject | undefined => {
    try {
      return name ? service.get(def, namespace, name) : undefined;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  };
  const admitted = (previous: JsonObject | undefined, stored: JsonObject): JsonObject => {
    const checks = ownerReferenceChecks(service.catalog, def, previous, stored);
    if (checks.length > 0) deps.onAuthorizationChecks?.(checks, managerFromUserAgent(req.headers["user-agent"]));
    return stored;
  };
  const include = includeObjectOf(query.get("includeObject"));
  const render = (o: JsonObject): JsonObject => (table ? toTable(printer, [o], include, {}, deps.clock.now()) : o);

  if (
    subresource !== undefined &&
    !(subresource === "status" && def.statusSubresource) &&
    !(subresource === "eviction" && def.kind === "Pod" && def.builtin)
  ) {
    throw notFoundPath();
  }
  if (subresource === "eviction") {
    if (method !== "POST" || !name) throw methodNotAllowed();
    const evictionName = isObject(body) ? stringField(metaOf(body), "name") : undefined;
    if (evictionName !== undefined && evictionName !== name)
      throw badRequest("name in URL does not match name in Eviction object");
    const pod = service.get(def, namespace, name);
    const ns = stringField(metaOf(pod), "namespace");
    enforceDecision(
      decideEviction(pod, service.store.list("policy/poddisruptionbudgets", ns), service.store.list("/pods", ns)),
    );
    const deleteOptions = isObject(body) && isObject(body.deleteOptions) ? body.deleteOptions : undefined;
    deleter.delete(def, namespace, name, deleteRequestOf(deleteOptions, new URLSearchParams()));
    sendJson(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    return;
  }
  const statusSub = subresource === "status" ? "status" : undefined;

  if (method === "GET" && !name) {
    if (booleanParam(query.get("watch"))) {
      serveWatch(
        service,
        deps.clock,
        res,
        {
          def,
          version,
          namespace,
          resourceVersion: query.get("resourceVersion") ?? undefined,
          labelSelector: query.get("labelSelector") ?? undefined,
          fieldSelector: query.get("fieldSelector") ?? undefined,
          allowBookmarks: booleanParam(query.get("allowWatchBookmarks")),
          timeoutSeconds: numberParam(query.get("timeoutSeconds"), "timeoutSeconds"),
          render,
        },
        deps.watchTuning(),
      );
      return;
    }
    const result = service.list(def, namespace, {
      labelSelector: query.get("labelSelector") ?? undefined,
      fieldSelector: query.get("fieldSelector") ?? undefined,
      limit: numberParam(query.get("limit"), "limit"),
      continueToken: query.get("continue") ?? undefined,
    });
    const metadata: JsonObject = { resourceVersion: result.resourceVersion };
    if (result.continueToken) metadata.continue = result.continueToken;
    if (result.remainingItemCount !== undefined) metadata.remainingItemCount = result.remainingItemCount;
    const items = result.items.map(present);
    if (table) sendJson(res, 200, toTable(printer, items, include, metadata, deps.clock.now()));
    else sendJson(res, 200, { kind: def.listKind, apiVersion: apiVersionOf(def.group, version), metadata, items });
    return;
  }
  if (method === "GET" && name) {
    sendJson(res, 200, render(present(service.get(def, namespace, name))));
    return;
  }
  if (method === "POST" && !name && !subresource) {
    sendJson(res, 201, present(admitted(undefined, service.create(def, version, namespace, body, options))));
    return;
  }
  if (method === "PUT" && name) {
    const previous = storedBefore();
    sendJson(
      res,
      200,
      present(admitted(previous, service.update(def, version, namespace, name, body, statusSub, options))),
    );
    return;
  }
  if (method === "PATCH" && name) {
    const previous = storedBefore();
    if (contentType === "application/apply-patch+yaml") {
      const applied = serverSideApply(
        service,
        {
          def,
          version,
          namespace,
          name,
          subresource: statusSub,
          manager: query.get("fieldManager") ?? undefined,
          force: booleanParam(query.get("force")),
          fieldValidation: options.fieldValidation,
        },
        body,
      );
      sendJson(res, applied.created ? 201 : 200, present(admitted(previous, applied.object)));
      return;
    }
    const current = present(previous ?? service.get(def, namespace, name));
    let next: unknown;
    if (contentType === "application/json-patch+json") next = applyJsonPatch(current, body);
    else if (contentType === "application/merge-patch+json") next = mergePatch(current, body);
    else if (contentType === "application/strategic-merge-patch+json" && def.builtin)
      next = strategicMerge(current, body);
    else
      throw unsupportedMediaType(
        def.builtin ? [...PATCH_TYPES, "application/strategic-merge-patch+json"] : PATCH_TYPES,
      );
    sendJson(
      res,
      200,
      present(admitted(previous, service.update(def, version, namespace, name, next, statusSub, options))),
    );
    return;
  }
  if (method === "DELETE" && name && !subresource) {
    sendJson(res, 200, present(deleter.delete(def, namespace, name, deleteRequestOf(body, query))));
    return;
  }
  if (method === "DELETE" && !name) {
    const victims = service.list(def, namespace, {
      labelSelector: query.get("labelSelector") ?? undefined,
      fieldSelector: query.get("fieldSelector") ?? undefined,
    }).items;
    const request = deleteRequestOf(body, query);
    const deleted: JsonObject[] = [];
    for (const victim of victims) {
      try {
        deleted.push(
          present(
            deleter.delete(
              def,
              stringField(metaOf(victim), "namespace"),
              stringField(metaOf(victim), "name") ?? "",
              request,
            ),
          ),
        );
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    sendJson(res, 200, {
      kind: def.listKind,
      apiVersion: apiVersionOf(def.group, version),
      metadata: { resourceVersion: String(service.store.currentRevision()) },
      items: deleted,
    });
    return;
  }
  throw methodNotAllowed();
}
