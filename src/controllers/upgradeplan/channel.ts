/**
 * Channel resolution, as RKE2's update server and system-upgrade-controller do it: a GET of the
 * channel URL (`https://update.rke2.io/v1-release/channels/stable`) answers a redirect to the
 * release page (`.../releases/tag/v1.31.4%2Brke2r1`) whose last path segment is the version. The
 * redirect is read, not followed (SUC's ResolveChannel does the same); a 2xx answer means the URL
 * itself ends in the version.
 */
import { parseRke2Version } from "../../rke2/versions.ts";

export interface ChannelResolver {
  /** The RKE2 version the channel points at now; rejects with a message fit for a condition. */
  resolve(url: string): Promise<string>;
}

/** The version named by the last path segment of a release URL, if it is one. */
export function versionFromReleaseUrl(url: string, base?: string): string | undefined {
  let path: string;
  try {
    path = new URL(url, base).pathname;
  } catch {
    return undefined;
  }
  const segment = path
    .split("/")
    .filter((part) => part !== "")
    .at(-1);
  if (segment === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return undefined;
  }
  return parseRke2Version(decoded)?.raw;
}

export interface HttpChannelResolverOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createHttpChannelResolver(options: HttpChannelResolverOptions = {}): ChannelResolver {
  // Global fetch is read at the first resolve, not here: reading it loads Node's bundled undici (with
  // http2 and web streams, about 5 MB of RSS), which an operator with no channel plan never needs.
  const doFetch = options.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async resolve(url) {
      let response: Response;
      try {
        response = await doFetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new Error(`cannot reach channel ${url}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      await response.body?.cancel();
      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.get("location");
        if (!location) throw new Error(`channel ${url} answered ${response.status} without a Location`);
        const version = versionFromReleaseUrl(location, url);
        if (!version)
          throw new Error(`channel ${url} redirects to ${location}, whose last path segment is not an RKE2 version`);
        return version;
      }
      if (response.status >= 200 && response.status < 300) {
        const version = versionFromReleaseUrl(url);
        if (!version) throw new Error(`channel ${url} answered ${response.status} instead of redirecting to a release`);
        return version;
      }
      throw new Error(`channel ${url} answered ${response.status} ${response.statusText}`.trim());
    },
  };
}
