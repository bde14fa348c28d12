/**
 * `rke2-lifecycle restore plan <snapshot>`: prints the ordered runbook that restores one etcd
 * snapshot onto the cluster of the user's kubeconfig (restore-runbook.ts builds it). It only
 * reads: the snapshot's ETCDSnapshotFile records, the Nodes and the EtcdSnapshotPolicies.
 */
import { etcdSnapshotFileResource, snapshotSizeBytes, type EtcdSnapshotFile } from "../api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import { DEFAULT_NAMESPACE } from "../config.ts";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import { isPolicySnapshot } from "../controllers/etcdsnapshotpolicy/retention.ts";
import type { S3Target } from "../nodeops/agent-args.ts";
import { RKE2_DEFAULT_DATA_DIR } from "../rke2/data-dir.ts";
import { NODE_RESOURCE } from "../runtime/kube/core-resources.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import { CLUSTER_FLAGS, withCluster } from "./cluster.ts";
import {
  buildRestoreRunbook,
  renderRunbook,
  type RunbookNode,
  type RunbookSnapshot,
  type SecretReference,
} from "./restore-runbook.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

const RESTORE_FLAGS = {
  ...CLUSTER_FLAGS,
  source: {
    type: "choice",
    choices: ["auto", "s3", "local"],
    default: "auto",
    description: "which copy to restore from: auto takes the S3 copy when there is a ready one, else the local file",
  },
  namespace: {
    type: "string",
    default: DEFAULT_NAMESPACE,
    description: "the operator's namespace, where a policy's S3 credentials Secret lives",
  },
  output: {
    type: "choice",
    choices: ["text", "json"],
    default: "text",
    description: "text for people; json: the same runbook as data (steps with node, commands, notes)",
  },
  dataDir: {
    type: "string",
    default: RKE2_DEFAULT_DATA_DIR,
    description: "RKE2's data-dir on servers whose Node does not say (rke2.io/node-args)",
  },
} as const;

export const RESTORE_HELP = `Usage: ${PROGRAM} restore plan <snapshot> [flags]

Prints the ordered runbook that restores an etcd snapshot onto the cluster your kubeconfig names
(as kubectl: --kubeconfig, else KUBECONFIG, else ~/.kube/config; --context, else the
current-context): which server runs 'rke2 server --cluster-reset --cluster-reset-restore-path=...'
with which flags, what the other servers do (stop, move server/db aside, rejoin one at a time), and
the server-token check. It changes nothing. <snapshot> is a snapshot name
('kubectl get etcdsnapshotfiles' lists them) or the name of one ETCDSnapshotFile. docs/restore.md
explains the procedure.

Flags:
${flagUsage(RESTORE_FLAGS, null)}
`;

interface NodeObject extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

const isReady = (record: EtcdSnapshotFile): boolean =>
  record.status?.readyToUse === true && (snapshotSizeBytes(record.status.size) ?? 0) > 0;

/** The copy to restore: by record name, else among the copies of that snapshot name. */
export function chooseCopy(
  records: readonly EtcdSnapshotFile[],
  wanted: string,
  source: "auto" | "s3" | "local",
): EtcdSnapshotFile | string {
  const byRecord = records.find((record) => record.metadata.name === wanted);
  const copies = byRecord ? [byRecord] : records.filter((record) => record.spec.snapshotName === wanted);
  if (copies.length === 0) return `no ETCDSnapshotFile is named ${wanted} or records a snapshot of that name`;
  const s3 = copies.filter((record) => record.spec.location.startsWith("s3://"));
  const local = copies.filter((record) => record.spec.location.startsWith("file://"));
  const pick = (list: EtcdSnapshotFile[]): EtcdSnapshotFile | undefined => list.find(isReady) ?? list[0];
  const chosen =
    source === "s3" ? pick(s3) : source === "local" ? pick(local) : (s3.find(isReady) ?? pick(local) ?? pick(s3));
  if (chosen === undefined) return `snapshot ${wanted} has no ${source} copy`;
  if (!isReady(chosen)) {
    const why = chosen.status?.error?.message ?? "RKE2 does not record it as ready to use with a size";
    return `the ${chosen.spec.location} copy of ${wanted} cannot be restored: ${why}`;
  }
  return chosen;
}

/** The policy whose settings the S3 copy was saved with: the one that made it, else one with its bucket. */
function owningPolicy(
  policies: readonly EtcdSnapshotPolicy[],
  record: EtcdSnapshotFile,
): EtcdSnapshotPolicy | undefined {
  const snapshot = { name: record.spec.snapshotName, node: record.spec.nodeName };
  const sameBucket = policies.filter((policy) => policy.spec.s3?.bucket === record.spec.s3?.bucket);
  return sameBucket.find((policy) => isPolicySnapshot(policy.metadata.name, snapshot)) ?? sameBucket[0];
}

export function runbookSnapshot(record: EtcdSnapshotFile, policy: EtcdSnapshotPolicy | undefined): RunbookSnapshot {
  const s3 = record.spec.s3;
  const size = snapshotSizeBytes(record.status?.size);
  const base: RunbookSnapshot = {
    name: record.spec.snapshotName,
    node: record.spec.nodeName,
    location: record.spec.location,
    ...(record.status?.creationTime ? { takenAt: record.status.creationTime } : {}),
    ...(size !== undefined ? { size } : {}),
  };
  if (!record.spec.location.startsWith("s3://")) return base;
  const bucket = s3?.bucket ?? record.spec.location.slice("s3://".length).split("/")[0] ?? "";
  const settings = policy?.spec.s3;
  const target: S3Target = {
    bucket,
    ...(s3?.endpoint ? { endpoint: s3.endpoint } : {}),
    ...(s3?.region ? { region: s3.region } : {}),
    ...(s3?.prefix ? { folder: s3.prefix } : {}),
    ...(s3?.endpointCA ? { endpointCa: s3.endpointCA } : {}),
    ...(s3?.skipSSLVerify ? { skipSslVerify: true } : {}),
    ...(s3?.insecure ? { insecure: true } : {}),
    ...(settings?.timeout ? { timeout: settings.timeout } : {}),
    ...(settings?.bucketLookup ? { bucketLookupType: settings.bucketLookup } : {}),
  };
  return { ...base, s3: target };
}

function runbookNode(node: NodeObject): RunbookNode {
  return {
    name: node.metadata.name,
    ...(node.metadata.labels ? { labels: node.metadata.labels } : {}),
    ...(node.metadata.annotations ? { annotations: node.metadata.annotations } : {}),
    ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
  };
}

/** `20261207T132000Z`: the suffix of the folder server/db moves to. */
export function folderStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.[0-9]+Z$/, "Z");
}

export async function runRestoreCommand(
  argv: readonly string[],
  env: Env,
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(RESTORE_HELP);
    return 0;
  }
  const parsed = parseFlags(argv, {}, RESTORE_FLAGS, { envPrefix: null, allowPositionals: true });
  if (!parsed.ok) return usageError(io, "restore", parsed.error);
  const [action, wanted, ...extra] = parsed.positionals;
  if (action !== "plan")
    return usageError(io, "restore", `expected the action plan, got ${JSON.stringify(action ?? "")}`);
  if (wanted === undefined) return usageError(io, "restore", "plan: expected the name of a snapshot");
  if (extra.length > 0) return usageError(io, "restore", `unexpected argument ${extra[0] ?? ""}`);
  const { source, namespace, dataDir, output } = parsed.values;

  const fail = (message: string): ExitCode => {
    io.stderr(`${PROGRAM} restore plan: ${message}\n`);
    return 1;
  };
  return withCluster("restore plan", parsed.values, env, io, async (session) => {
    const records = (await session.port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
    const record = chooseCopy(records, wanted, source);
    if (typeof record === "string") return fail(record);
    const nodes = (await session.port.list<NodeObject>(NODE_RESOURCE)).items.map(runbookNode);
    const isS3 = record.spec.location.startsWith("s3://");
    const policies = isS3 ? (await session.port.list<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource)).items : [];
    const policy = isS3 ? owningPolicy(policies, record) : undefined;
    const secret = policy?.spec.s3?.credentialsSecret;
    const credentials: SecretReference | undefined = secret ? { namespace, name: secret } : undefined;
    const built = buildRestoreRunbook({
      snapshot: runbookSnapshot(record, policy),
      nodes,
      ...(credentials ? { s3Credentials: credentials } : {}),
      defaultDataDir: dataDir,
      stamp: folderStamp(now()),
    });
    if (!built.ok) return fail(built.error);
    io.stdout(output === "json" ? `${JSON.stringify(built.runbook, null, 2)}\n` : renderRunbook(built.runbook));
    return 0;
  });
}
