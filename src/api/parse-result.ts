import type { z } from "zod";

export type ParseResult<T> = { ok: true; spec: T } | { ok: false; message: string };

const MAX_ISSUES_IN_MESSAGE = 3;

/** `spec.retention.count`, `spec.window.days[2]`: the path style of Kubernetes field errors. */
function issuePath(root: string, path: readonly PropertyKey[]): string {
  let text = root;
  for (const key of path) text += typeof key === "number" ? `[${key}]` : `.${String(key)}`;
  return text;
}

/** One line a person can act on, for a `Ready=False, reason=InvalidSpec` condition message. */
export function describeIssues(error: z.ZodError, root = "spec"): string {
  const parts = error.issues
    .slice(0, MAX_ISSUES_IN_MESSAGE)
    .map((issue) => `${issuePath(root, issue.path)}: ${issue.message.replace(/\s+/g, " ")}`);
  const more = error.issues.length - MAX_ISSUES_IN_MESSAGE;
  return more > 0 ? `${parts.join("; ")} (and ${more} more)` : parts.join("; ");
}

/** Parses a CR's spec with defaults applied; never throws, whatever `raw` holds. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): ParseResult<z.output<S>> {
  const result = schema.safeParse(raw);
  return result.success ? { ok: true, spec: result.data } : { ok: false, message: describeIssues(result.error) };
}
