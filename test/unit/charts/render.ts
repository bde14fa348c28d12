/** Runs the stock helm binary on the chart and parses what it renders. */
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { toolPath } from "../../support/tools.ts";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const CHART_DIR = join(REPO_ROOT, "charts/rke2-lifecycle-operator");
export const RELEASE = "rke2-lifecycle-operator";
export const RELEASE_NAMESPACE = "rke2-lifecycle-system";
export const JOBS_NAMESPACE = "rke2-lifecycle-jobs";

/** A rendered manifest, loosely typed: tests narrow what they read. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((value): value is Manifest => value !== null && typeof value === "object");
}

export function helm(args: readonly string[]): string {
  return execFileSync(toolPath("helm"), args, { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `helm template` of the chart with the default release name and namespace, plus extra flags. */
export function renderChart(extra: readonly string[] = []): Manifest[] {
  return parseManifests(helm(["template", RELEASE, CHART_DIR, "--namespace", RELEASE_NAMESPACE, ...extra]));
}

/** The error helm prints when a render fails (the chart's `fail` messages), or "" if it renders. */
export function renderError(extra: readonly string[]): string {
  return helmError(["template", RELEASE, CHART_DIR, "--namespace", RELEASE_NAMESPACE, ...extra]);
}

export function find(manifests: readonly Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the render`);
  return found;
}

/** `Kind namespace/name` of every object, sorted: the identity two renders are compared by. */
export function identities(manifests: readonly Manifest[]): string[] {
  return manifests.map((m) => `${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}`).sort();
}

/** What a failed helm command printed (`helm lint` reports on stdout), or "" when it succeeds. */
export function helmError(args: readonly string[]): string {
  try {
    helm(args);
    return "";
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    return stdout === undefined && stderr === undefined ? String(err) : `${stdout ?? ""}${stderr ?? ""}`;
  }
}

/** The NOTES helm prints after an install (a client-side dry run: no cluster is contacted). */
export function renderNotes(extra: readonly string[] = []): string {
  const out = helm(["install", RELEASE, CHART_DIR, "--namespace", RELEASE_NAMESPACE, "--dry-run=client", ...extra]);
  return out.slice(out.indexOf("\nNOTES:\n"));
}
