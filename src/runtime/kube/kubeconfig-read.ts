/**
 * Reads and merges kubeconfig files without @kubernetes/client-node, the way kubectl does
 * (client-go's tools/clientcmd): in a KUBECONFIG list the first file to define a cluster, user or
 * context name, or to set a current-context, wins; `--context` picks another context of the merge.
 * Entries keep their fields as written; what they mean is for kubeconfig-plain.ts (or client-node).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse } from "yaml";
import { KubeConfigError } from "./kubeconfig-error.ts";

type Fields = Readonly<Record<string, unknown>>;

/** A named cluster or user entry, with the folder of the file that defined it. */
export interface KubeconfigEntry {
  name: string;
  fields: Fields;
  /**
   * Relative file paths in the entry are relative to this folder, as client-go's ResolveLocalPaths
   * resolves them against the folder of the entry's file of origin.
   */
  dir: string;
}

/** The context a merged kubeconfig list selects, with its cluster and user. */
export interface KubeconfigSelection {
  contextName: string;
  cluster: KubeconfigEntry;
  /** Undefined when the context names no user: requests go without credentials. */
  user: KubeconfigEntry | undefined;
}

interface ContextEntry {
  name: string;
  cluster: string;
  user: string | undefined;
}

interface KubeconfigFile {
  clusters: KubeconfigEntry[];
  users: KubeconfigEntry[];
  contexts: ContextEntry[];
  currentContext: string | undefined;
}

/**
 * Loads a KUBECONFIG-style list (`a:b`, already split in `paths`) and selects `contextName`
 * (kubectl's --context) or else the merged current-context. `source` names where the list came
 * from (--kubeconfig, KUBECONFIG, ~/.kube/config) in errors.
 */
export function readKubeconfigFiles(
  paths: readonly string[],
  pathList: string,
  source: string,
  contextName?: string,
): KubeconfigSelection {
  const files = paths.map((path) => readFile(path, source));
  const clusters = firstOfEachName(files.flatMap((file) => file.clusters));
  const users = firstOfEachName(files.flatMap((file) => file.users));
  const contexts = firstOfEachName(files.flatMap((file) => file.contexts));
  let current = files.map((file) => file.currentContext).find(Boolean);
  if (contextName !== undefined) {
    if (!contexts.has(contextName)) {
      throw new KubeConfigError(`--context: context "${contextName}" is not defined in ${source} (${pathList})`);
    }
    current = contextName;
  }
  if (!current) throw new KubeConfigError(`${source}: ${pathList} sets no current-context`);
  const context = contexts.get(current);
  if (!context) throw new KubeConfigError(`${source}: the current context "${current}" is not defined`);
  const cluster = clusters.get(context.cluster);
  if (!cluster) {
    throw new KubeConfigError(
      `${source}: the cluster "${context.cluster}" of context "${context.name}" is not defined`,
    );
  }
  const user = context.user === undefined ? undefined : users.get(context.user);
  if (context.user !== undefined && !user) {
    // client-go's validateContext refuses it too ("user %q was not found for context %q").
    throw new KubeConfigError(`${source}: the user "${context.user}" of context "${context.name}" is not defined`);
  }
  return { contextName: context.name, cluster, user };
}

function readFile(path: string, source: string): KubeconfigFile {
  try {
    return parseKubeconfig(readFileSync(path, "utf8"), dirname(resolve(path)));
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new KubeConfigError(`${source}: ${path} is not a valid kubeconfig: ${reason ?? ""}`, { cause: err });
  }
}

/** The entries of one file; the messages of what is missing are client-node's (config_types.ts). */
function parseKubeconfig(text: string, dir: string): KubeconfigFile {
  const document: unknown = parse(text);
  if (document === null || document === undefined) {
    return { clusters: [], users: [], contexts: [], currentContext: undefined };
  }
  if (!isFields(document)) throw new Error("the file is not a YAML mapping");
  const list = (key: string): unknown[] => {
    const value = document[key];
    return Array.isArray(value) ? value : [];
  };
  const clusters = list("clusters").map((element, i): KubeconfigEntry => {
    const name = requiredString(element, "name", `clusters[${i}].name`);
    const fields = requiredFields(element, "cluster", `clusters[${i}].cluster`);
    requiredString(fields, "server", `clusters[${i}].cluster.server`);
    return { name, fields, dir };
  });
  const users = list("users").map((element, i): KubeconfigEntry => {
    const name = requiredString(element, "name", `users[${i}].name`);
    const user = isFields(element) ? element.user : undefined;
    return { name, fields: isFields(user) ? user : {}, dir };
  });
  const contexts = list("contexts").map((element, i): ContextEntry => {
    const name = requiredString(element, "name", `contexts[${i}].name`);
    const fields = requiredFields(element, "context", `contexts[${i}].context`);
    const cluster = requiredString(fields, "cluster", `contexts[${i}].context.cluster`);
    const user = typeof fields.user === "string" && fields.user !== "" ? fields.user : undefined;
    return { name, cluster, user };
  });
  const current = document["current-context"];
  return { clusters, users, contexts, currentContext: typeof current === "string" ? current : undefined };
}

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function requiredFields(element: unknown, key: string, path: string): Fields {
  const value = isFields(element) ? element[key] : undefined;
  if (!isFields(value)) throw new Error(`${path} is missing`);
  return value;
}

function requiredString(element: unknown, key: string, path: string): string {
  const value = isFields(element) ? element[key] : undefined;
  if (typeof value !== "string" || value === "") throw new Error(`${path} is missing`);
  return value;
}

/** The entries by name, the first of each name kept (kubectl's merge of a KUBECONFIG list). */
function firstOfEachName<T extends { name: string }>(entries: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const entry of entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  return byName;
}
