/**
 * What this build is: the package version (package.json, one folder up from src/ and from dist/,
 * which the image copies to /app) and the Node.js running it. Read once, with no other import, so
 * `--version` stays cheap.
 */
import { readFileSync } from "node:fs";

export interface BuildInfo {
  version: string;
  nodeVersion: string;
}

let cached: BuildInfo | undefined;

export function buildInfo(): BuildInfo {
  cached ??= { version: packageVersion(), nodeVersion: process.version };
  return cached;
}

function packageVersion(): string {
  try {
    const manifest: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const version = (manifest as { version?: unknown }).version;
    return typeof version === "string" && version !== "" ? version : "unknown";
  } catch {
    return "unknown";
  }
}
