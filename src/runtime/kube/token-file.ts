import { readFileSync } from "node:fs";
import type { Clock } from "../clock.ts";

/**
 * How long a read token is used before the file is read again. client-go's
 * NewCachedFileTokenSource (transport/token_source.go) uses the same minute: half the time between
 * the kubelet refreshing a projected service-account token and the old one expiring.
 */
const TOKEN_REREAD_MS = 60_000;

/**
 * A bearer token kept in a file that something else rotates (the kubelet's projected
 * service-account token, a kubeconfig's `tokenFile`): read on first use and again once a minute,
 * trimmed as client-go trims it. A failed or empty re-read keeps the last token (client-go does
 * too); `fallback` stands in when there is none yet (kubeconfig `token` beside `tokenFile`).
 */
export function cachedFileToken(path: string, clock: Clock, fallback?: string): () => string {
  let token: { value: string; readAt: number } | undefined;
  return () => {
    const now = clock.now();
    if (token && now - token.readAt < TOKEN_REREAD_MS) return token.value;
    let value: string;
    try {
      value = readFileSync(path, "utf8").trim();
      if (value === "") throw new Error(`read an empty token from ${path}`);
    } catch (err) {
      const last = token?.value ?? fallback;
      if (last === undefined) throw err;
      value = last;
    }
    token = { value, readAt: now };
    return value;
  };
}
