/**
 * The runbook `rke2-lifecycle restore plan` prints: the ordered steps that restore one etcd
 * snapshot onto this cluster with RKE2's own `rke2 server --cluster-reset
 * --cluster-reset-restore-path=…`, built from the snapshot's ETCDSnapshotFile, the policy that
 * made it and the current Nodes. Pure: the command (restore.ts) reads the cluster and prints.
 *
 * The procedure is RKE2's "Restoring Snapshots" (docs/restore.md lists the sources), with two
 * changes the issues behind it ask for: the other servers MOVE `server/db` aside instead of
 * `rm -rf` (the local snapshots live in `server/db/snapshots`), and the server token is checked
 * before anything stops (a restore fails without the token the snapshot was taken under).
 */
import type { S3Target } from "../nodeops/agent-args.ts";
import { rke2S3Args } from "../nodeops/agent/snapshot.ts";
import { nodeDataDir } from "../rke2/data-dir.ts";
import { rolesFromLabels, tierOf, type Tier } from "../rke2/roles.ts";

export interface RunbookNode {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ready: boolean;
}

/** One copy of a snapshot, as its ETCDSnapshotFile records it. */
export interface RunbookSnapshot {
  name: string;
  /** The node that took it. */
  node: string;
  /** `file:///…` or `s3://bucket/key`. */
  location: string;
  takenAt?: string;
  size?: number;
  /** Where in S3 (spec.s3 of the record, and the policy's settings); absent for a local copy. */
  s3?: S3Target;
}

/** A Secret the restore needs a value of: named, never read. */
export interface SecretReference {
  namespace: string;
  name: string;
}

export interface RunbookInput {
  snapshot: RunbookSnapshot;
  nodes: readonly RunbookNode[];
  /** Holds accessKey/secretKey (and sessionToken) for S3; absent: the node's IAM role. */
  s3Credentials?: SecretReference;
  /** RKE2's data dir where a node's `rke2.io/node-args` names none. */
  defaultDataDir: string;
  /** Suffix of the folder `server/db` is moved to, e.g. `20261207T1320Z`. */
  stamp: string;
}

/** A step: what to run, where, in order. `node` undefined: on a machine with kubectl. */
export interface RunbookStep {
  title: string;
  node?: string;
  commands: string[];
  notes: string[];
}

export interface RestoreRunbook {
  snapshot: RunbookSnapshot;
  restoreNode: string;
  /** The other etcd members, in the order they rejoin. */
  rejoinNodes: string[];
  controlPlaneOnly: string[];
  agents: string[];
  steps: RunbookStep[];
}

export type RunbookResult = { ok: true; runbook: RestoreRunbook } | { ok: false; error: string };

/** What RKE2 prints when the reset is done (rke2-docs, backup_restore.md). */
export const RESET_DONE_MESSAGE =
  "Managed etcd cluster membership has been reset, restart without --cluster-reset flag now.";
/** What RKE2 prints when the token differs from the one the snapshot's bootstrap data was encrypted with. */
export const TOKEN_MISMATCH_MESSAGE = "bootstrap data already found and encrypted with different token";

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function localPath(location: string): string | undefined {
  if (!location.startsWith("file://")) return undefined;
  const path = decodeURI(location.slice("file://".length));
  return path.startsWith("/") ? path : undefined;
}

function fileName(location: string): string {
  return location.slice(location.lastIndexOf("/") + 1);
}

/** Shell-quotes a word only when it needs it (paths and names seldom do). */
function sh(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

function tiers(nodes: readonly RunbookNode[]): Record<Tier, RunbookNode[]> {
  const grouped: Record<Tier, RunbookNode[]> = { etcd: [], "control-plane": [], worker: [] };
  for (const node of [...nodes].sort((a, b) => byName(a.name, b.name))) {
    grouped[tierOf(rolesFromLabels(node.labels))].push(node);
  }
  return grouped;
}

/** The etcd server that restores: the holder of a local copy; for S3 the taker, else a Ready member. */
function chooseRestoreNode(snapshot: RunbookSnapshot, etcd: readonly RunbookNode[]): RunbookNode | string {
  const taker = etcd.find((node) => node.name === snapshot.node);
  if (snapshot.s3 === undefined) {
    return taker ?? `the snapshot file is on ${snapshot.node}, which is not an etcd server of this cluster now`;
  }
  return taker ?? etcd.find((node) => node.ready) ?? etcd[0] ?? "this cluster has no etcd server";
}

/** `sudo` drops the environment; the exported S3 keys must reach rke2. */
const SUDO_KEEPING_S3_KEYS = "sudo --preserve-env=AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY";

function restoreCommand(snapshot: RunbookSnapshot): string[] {
  const path = snapshot.s3 ? fileName(snapshot.location) : (localPath(snapshot.location) ?? snapshot.location);
  const args = ["rke2", "server", "--cluster-reset", `--cluster-reset-restore-path=${path}`];
  // RKE2 reads a local path only with S3 off; with etcd-s3 in config.yaml it would look in the bucket.
  if (!snapshot.s3) args.push("--etcd-s3=false");
  else args.push(...rke2S3Args(snapshot.s3, snapshot.s3.endpointCa));
  return args.map(sh);
}

function s3CredentialExports(ref: SecretReference | undefined): string[] {
  if (ref === undefined) return [];
  const read = (key: string): string =>
    `"$(kubectl -n ${sh(ref.namespace)} get secret ${sh(ref.name)} -o jsonpath='{.data.${key}}' | base64 -d)"`;
  return [`export AWS_ACCESS_KEY_ID=${read("accessKey")}`, `export AWS_SECRET_ACCESS_KEY=${read("secretKey")}`];
}

export function buildRestoreRunbook(input: RunbookInput): RunbookResult {
  const { snapshot } = input;
  if (snapshot.s3 === undefined && localPath(snapshot.location) === undefined) {
    return { ok: false, error: `cannot restore from ${snapshot.location}: neither a file:// path nor an S3 copy` };
  }
  const grouped = tiers(input.nodes);
  const restore = chooseRestoreNode(snapshot, grouped.etcd);
  if (typeof restore === "string") return { ok: false, error: restore };
  const rejoin = grouped.etcd.filter((node) => node.name !== restore.name);
  const servers = [restore, ...rejoin, ...grouped["control-plane"]];
  const dataDir = (node: RunbookNode): string => nodeDataDir({ metadata: node }, input.defaultDataDir);
  const restoreDir = dataDir(restore);

  const steps: RunbookStep[] = [];
  const prepare: RunbookStep = {
    title: "Before anything stops: keep the server token the snapshot was taken under",
    node: restore.name,
    commands: [`sudo cat ${sh(`${restoreDir}/server/token`)}`, "sudo grep -E '^token:' /etc/rancher/rke2/config.yaml"],
    notes: [
      "RKE2 encrypts the bootstrap data in every snapshot (cluster CAs, secrets-encryption keys) with the server " +
        "token in use when it was taken. Restore with another token and rke2 stops with " +
        `"${TOKEN_MISMATCH_MESSAGE}".`,
      "If the token was rotated since the snapshot, or this server was rebuilt, find the token of that time " +
        "(your config management, the old server's server/token) and export it before the reset: " +
        "export RKE2_SNAPSHOT_TOKEN='<that token>', then add --token=\"$RKE2_SNAPSHOT_TOKEN\" to the reset command.",
      "A `token:` in config.yaml must equal that token too, or rke2 will not start after the reset.",
    ],
  };
  steps.push(prepare);
  if (snapshot.s3) {
    steps.push({
      title: "Before anything stops: have the S3 credentials at hand on the restoring server",
      node: restore.name,
      commands: s3CredentialExports(input.s3Credentials),
      notes: [
        input.s3Credentials
          ? `The keys are read from Secret ${input.s3Credentials.namespace}/${input.s3Credentials.name} while the ` +
            "API still answers (RKE2 reads AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY for --etcd-s3-access-key/" +
            "--etcd-s3-secret-key). Where this server has no kubectl, read them on your workstation and " +
            "export them in the shell on this server that runs the reset."
          : "The policy names no credentials Secret: RKE2 uses the node's IAM role, as for the snapshots.",
        "--etcd-s3-config-secret cannot be used for a restore: the API server is down during it.",
      ],
    });
  } else {
    const path = localPath(snapshot.location) ?? "";
    steps.push({
      title: "Before anything stops: check the snapshot file is there",
      node: restore.name,
      commands: [`sudo ls -l ${sh(path)}`],
      notes: ["Copy it off the node first if you can: step 3 is the only step that reads it."],
    });
  }
  for (const node of servers) {
    steps.push({
      title: "Stop rke2-server",
      node: node.name,
      commands: ["sudo systemctl stop rke2-server"],
      notes: [`Every server (${servers.length}) stops before the reset; agents keep running and reconnect later.`],
    });
  }
  steps.push({
    title: "Reset etcd from the snapshot",
    node: restore.name,
    commands: [
      `${input.s3Credentials && snapshot.s3 ? SUDO_KEEPING_S3_KEYS : "sudo"} ${restoreCommand(snapshot).join(" ")}`,
    ],
    notes: [
      `Wait for: "${RESET_DONE_MESSAGE}" rke2 then exits. It moves the old database to ` +
        `${restoreDir}/server/db/etcd-old-<timestamp> itself.`,
      "It refuses a second reset in a row while server/db/reset-flag exists; a normal start removes that file.",
    ],
  });
  steps.push({
    title: "Start the restored server",
    node: restore.name,
    commands: [
      "sudo systemctl start rke2-server",
      `kubectl wait --for=condition=Ready node/${restore.name} --timeout=10m`,
    ],
    notes: ["Continue only once it is Ready: the others join the cluster it now is."],
  });
  for (const node of rejoin) {
    const db = `${dataDir(node)}/server/db`;
    steps.push({
      title: "Move the old etcd data aside and rejoin",
      node: node.name,
      commands: [
        `sudo mv ${sh(db)} ${sh(`${db}.pre-restore-${input.stamp}`)}`,
        "sudo systemctl start rke2-server",
        `kubectl wait --for=condition=Ready node/${node.name} --timeout=10m`,
        `kubectl -n kube-system wait --for=condition=Ready pod/etcd-${node.name} --timeout=10m`,
      ],
      notes: [
        `Move, never delete: ${db}/snapshots holds this server's local snapshots; they stay in the moved folder.`,
        "One server at a time: each joins as a new etcd member of the restored cluster.",
      ],
    });
  }
  for (const node of grouped["control-plane"]) {
    steps.push({
      title: "Start the control-plane-only server",
      node: node.name,
      commands: [
        "sudo systemctl start rke2-server",
        `kubectl wait --for=condition=Ready node/${node.name} --timeout=10m`,
      ],
      notes: ["It holds no etcd data: nothing to move."],
    });
  }
  steps.push({
    title: "Check the cluster",
    commands: ["kubectl get nodes", "kubectl get etcdsnapshotfiles,etcdsnapshotpolicies"],
    notes: [
      `Agents (${grouped.worker.length}) that stay NotReady: sudo systemctl restart rke2-agent on them.`,
      "Nodes the snapshot knows but that no longer exist stay NotReady: kubectl delete node <name>.",
    ],
  });
  return {
    ok: true,
    runbook: {
      snapshot,
      restoreNode: restore.name,
      rejoinNodes: rejoin.map((node) => node.name),
      controlPlaneOnly: grouped["control-plane"].map((node) => node.name),
      agents: grouped.worker.map((node) => node.name),
      steps,
    },
  };
}

function describeSource(snapshot: RunbookSnapshot): string {
  if (snapshot.s3) {
    const endpoint = snapshot.s3.endpoint ?? "s3.amazonaws.com";
    return `S3 ${snapshot.location} (endpoint ${endpoint}, region ${snapshot.s3.region ?? "us-east-1"})`;
  }
  return `local file ${localPath(snapshot.location) ?? snapshot.location} on ${snapshot.node}`;
}

/** The runbook as printed: a header, then numbered steps with the machine each runs on. */
export function renderRunbook(runbook: RestoreRunbook): string {
  const { snapshot } = runbook;
  const size = snapshot.size === undefined ? "" : `, ${snapshot.size} bytes`;
  const lines = [
    `Restore runbook for etcd snapshot ${snapshot.name}`,
    `  taken ${snapshot.takenAt ?? "(time unknown)"} on ${snapshot.node}${size}`,
    `  from ${describeSource(snapshot)}`,
    `  restoring server: ${runbook.restoreNode}`,
    `  etcd servers that rejoin: ${runbook.rejoinNodes.join(", ") || "none"}`,
    `  control-plane-only servers: ${runbook.controlPlaneOnly.join(", ") || "none"}`,
    `  agents: ${runbook.agents.length}`,
    "",
    "This replaces ALL cluster state with the snapshot's. Read docs/restore.md first.",
    "",
  ];
  runbook.steps.forEach((step, index) => {
    lines.push(`${index + 1}. ${step.title}${step.node ? ` — on ${step.node}` : ""}`);
    for (const command of step.commands) lines.push(`     $ ${command}`);
    for (const note of step.notes) lines.push(`   - ${note}`);
    lines.push("");
  });
  return `${lines.join("\n").trimEnd()}\n`;
}
