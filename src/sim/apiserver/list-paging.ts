/** LIST paging as kube-apiserver does it: `limit`, and a `continue` token that resumes after a key. */
import { badRequest } from "./errors.ts";
import { clone, isObject, metaOf, stringField, type JsonObject } from "./json.ts";

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: JsonObject[];
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** One page of `items` (selected, in store order) after `query.continueToken`, at most `query.limit` long. */
export function pageOf(selected: JsonObject[], query: ListQuery, resourceVersion: string): ListResult {
  let items = selected;
  if (query.continueToken) {
    const after = decodeContinue(query.continueToken);
    items = items.filter((o) => sortKey(o) > after);
  }
  if (query.limit && query.limit > 0 && items.length > query.limit) {
    const page = items.slice(0, query.limit).map((o) => clone(o));
    const last = page[page.length - 1];
    return {
      items: page,
      resourceVersion,
      continueToken: last ? encodeContinue(sortKey(last), resourceVersion) : undefined,
      remainingItemCount: items.length - page.length,
    };
  }
  return { items: items.map((o) => clone(o)), resourceVersion };
}

function sortKey(object: JsonObject): string {
  const meta = metaOf(object);
  return `${stringField(meta, "namespace") ?? ""}/${stringField(meta, "name") ?? ""}`;
}

function encodeContinue(after: string, resourceVersion: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv: Number(resourceVersion), start: after })).toString(
    "base64",
  );
}

function decodeContinue(token: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
    if (isObject(parsed) && typeof parsed.start === "string") return parsed.start;
  } catch {
    // fall through to the 400 below
  }
  throw badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
}
