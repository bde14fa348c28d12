/**
 * RKE2's `data-dir`: `/var/lib/rancher/rke2` unless the node's config sets another (Rancher sets
 * one from the cluster's `dataDirectories.k8sDistro`). Pure.
 *
 * Each node says which one it runs with: k3s writes the node's arguments, config file values
 * included (`configfilearg.MustParse`), as a JSON list into the `rke2.io/node-args` annotation
 * (k3s `pkg/nodeconfig`, `getNodeArgs`: `--flag=value` is split into two entries, secrets
 * blanked). `--data-dir` has the alias `-d`.
 */

export const RKE2_DEFAULT_DATA_DIR = "/var/lib/rancher/rke2";
export const NODE_ARGS_ANNOTATION = "rke2.io/node-args";

/**
 * The data dir the node's arguments name (the last one wins, as in flag parsing); undefined when
 * none or unreadable.
 */
export function dataDirFromNodeArgs(annotation: string | undefined): string | undefined {
  if (annotation === undefined) return undefined;
  let args: unknown;
  try {
    args = JSON.parse(annotation);
  } catch {
    return undefined;
  }
  if (!Array.isArray(args)) return undefined;
  let found: string | undefined;
  for (let i = 0; i < args.length - 1; i++) {
    const value: unknown = args[i + 1];
    const isFlag = args[i] === "--data-dir" || args[i] === "-d";
    if (isFlag && typeof value === "string" && value.startsWith("/")) found = value;
  }
  return found === undefined ? undefined : found.replace(/\/+$/, "") || "/";
}

interface Annotated {
  metadata: { annotations?: Record<string, string> | undefined };
}

/** The node's data dir: what its arguments say, else the configured one. */
export function nodeDataDir(node: Annotated, configured: string): string {
  return dataDirFromNodeArgs(node.metadata.annotations?.[NODE_ARGS_ANNOTATION]) ?? configured;
}

interface NamedNode extends Annotated {
  metadata: { name: string; annotations?: Record<string, string> | undefined };
}

/** Nodes whose arguments name a data dir other than `configured` (what the inventory mounts). */
export function dataDirMismatches(
  nodes: readonly NamedNode[],
  configured: string,
): { node: string; dataDir: string }[] {
  return nodes.flatMap((node) => {
    const dataDir = dataDirFromNodeArgs(node.metadata.annotations?.[NODE_ARGS_ANNOTATION]);
    return dataDir !== undefined && dataDir !== configured ? [{ node: node.metadata.name, dataDir }] : [];
  });
}

/** What a CertRotation says about such nodes. */
export function dataDirMismatchMessage(
  mismatches: readonly { node: string; dataDir: string }[],
  configured: string,
): string | undefined {
  if (mismatches.length === 0) return undefined;
  const shown = mismatches
    .slice(0, 3)
    .map((m) => `${m.node} (${m.dataDir})`)
    .join(", ");
  const more = mismatches.length > 3 ? ` and ${mismatches.length - 3} more` : "";
  return (
    `not rotated: ${shown}${more} run RKE2 with another data-dir (rke2.io/node-args) than the ${configured} ` +
    "the certificate inventory reads; set the chart's rke2.dataDir (the operator's --rke2-data-dir) to theirs"
  );
}
