/**
 * The restore runbook, table-tested on the 7-node topology of the demo (etcd-1 etcd-only,
 * server-1/2 etcd+control-plane, cp-1 control-plane-only, three agents), local and S3.
 */
import { describe, expect, it } from "@jest/globals";
import {
  buildRestoreRunbook,
  renderRunbook,
  RESET_DONE_MESSAGE,
  type RunbookInput,
  type RunbookNode,
  type RunbookSnapshot,
} from "../../../src/cli/restore-runbook.ts";
import { chooseCopy, folderStamp } from "../../../src/cli/restore.ts";
import type { EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";

const ETCD = { "node-role.kubernetes.io/etcd": "true" };
const CP = { "node-role.kubernetes.io/control-plane": "true" };

function node(name: string, labels: Record<string, string>, extra: Partial<RunbookNode> = {}): RunbookNode {
  return { name, labels, ready: true, ...extra };
}

const SEVEN: RunbookNode[] = [
  node("agent-3", {}),
  node("server-2", { ...ETCD, ...CP }),
  node("etcd-1", ETCD),
  node("cp-1", CP),
  node(
    "server-1",
    { ...ETCD, ...CP },
    { annotations: { "rke2.io/node-args": '["server","--data-dir","/data/rke2"]' } },
  ),
  node("agent-1", {}),
  node("agent-2", {}),
];

const LOCAL: RunbookSnapshot = {
  name: "nightly-server-1-1765065600.zip",
  node: "server-1",
  location: "file:///data/rke2/server/db/snapshots/nightly-server-1-1765065600.zip",
  takenAt: "2025-12-07T00:00:00Z",
  size: 24576,
};

const S3: RunbookSnapshot = {
  ...LOCAL,
  location: "s3://backups/prod/nightly-server-1-1765065600.zip",
  s3: {
    bucket: "backups",
    endpoint: "minio.example:9000",
    region: "eu-1",
    folder: "prod",
    endpointCa: "/var/lib/rancher/rke2-lifecycle/etcd-s3-endpoint-ca.pem",
    timeout: "5m",
    bucketLookupType: "path",
  },
};

const input = (snapshot: RunbookSnapshot, extra: Partial<RunbookInput> = {}): RunbookInput => ({
  snapshot,
  nodes: SEVEN,
  defaultDataDir: "/var/lib/rancher/rke2",
  stamp: "20251207T120000Z",
  ...extra,
});

function build(of: RunbookInput) {
  const result = buildRestoreRunbook(of);
  if (!result.ok) throw new Error(result.error);
  return result.runbook;
}

/** "<node or kubectl>: <command>", every command in runbook order. */
function walk(of: RunbookInput): string[] {
  return build(of).steps.flatMap((step) => step.commands.map((command) => `${step.node ?? "kubectl"}: ${command}`));
}

describe("restore runbook on the 7-node topology", () => {
  it.each([
    ["local file", LOCAL, "server-1", ["etcd-1", "server-2"]],
    ["S3, the taker still a member", S3, "server-1", ["etcd-1", "server-2"]],
    [
      "S3, the taker gone: the first Ready etcd member",
      { ...S3, node: "server-9" },
      "etcd-1",
      ["server-1", "server-2"],
    ],
  ])("%s: the restoring server and the rejoin order", (_, snapshot, restore, rejoin) => {
    const runbook = build(input(snapshot));
    expect(runbook.restoreNode).toBe(restore);
    expect(runbook.rejoinNodes).toEqual(rejoin);
    expect(runbook.controlPlaneOnly).toEqual(["cp-1"]);
    expect(runbook.agents).toEqual(["agent-1", "agent-2", "agent-3"]);
  });

  it("local: the exact order — token, file check, stop all servers, reset, start, move+rejoin, cp, check", () => {
    expect(walk(input(LOCAL))).toEqual([
      "server-1: sudo cat /data/rke2/server/token",
      "server-1: sudo grep -E '^token:' /etc/rancher/rke2/config.yaml",
      "server-1: sudo ls -l /data/rke2/server/db/snapshots/nightly-server-1-1765065600.zip",
      "server-1: sudo systemctl stop rke2-server",
      "etcd-1: sudo systemctl stop rke2-server",
      "server-2: sudo systemctl stop rke2-server",
      "cp-1: sudo systemctl stop rke2-server",
      "server-1: sudo rke2 server --cluster-reset " +
        "--cluster-reset-restore-path=/data/rke2/server/db/snapshots/nightly-server-1-1765065600.zip --etcd-s3=false",
      "server-1: sudo systemctl start rke2-server",
      "server-1: kubectl wait --for=condition=Ready node/server-1 --timeout=10m",
      "etcd-1: sudo mv /var/lib/rancher/rke2/server/db /var/lib/rancher/rke2/server/db.pre-restore-20251207T120000Z",
      "etcd-1: sudo systemctl start rke2-server",
      "etcd-1: kubectl wait --for=condition=Ready node/etcd-1 --timeout=10m",
      "etcd-1: kubectl -n kube-system wait --for=condition=Ready pod/etcd-etcd-1 --timeout=10m",
      "server-2: sudo mv /var/lib/rancher/rke2/server/db /var/lib/rancher/rke2/server/db.pre-restore-20251207T120000Z",
      "server-2: sudo systemctl start rke2-server",
      "server-2: kubectl wait --for=condition=Ready node/server-2 --timeout=10m",
      "server-2: kubectl -n kube-system wait --for=condition=Ready pod/etcd-server-2 --timeout=10m",
      "cp-1: sudo systemctl start rke2-server",
      "cp-1: kubectl wait --for=condition=Ready node/cp-1 --timeout=10m",
      "kubectl: kubectl get nodes",
      "kubectl: kubectl get etcdsnapshotfiles,etcdsnapshotpolicies",
    ]);
  });

  it("S3: the reset names the file only, with the policy's S3 flags and the credentials as a Secret reference", () => {
    const steps = walk(input(S3, { s3Credentials: { namespace: "rke2-lifecycle-system", name: "s3-creds" } }));
    const reset = steps.find((line) => line.includes("--cluster-reset"));
    expect(reset).toBe(
      "server-1: sudo --preserve-env=AWS_ACCESS_KEY_ID,AWS_SECRET_ACCESS_KEY rke2 server --cluster-reset " +
        "--cluster-reset-restore-path=nightly-server-1-1765065600.zip " +
        "--etcd-s3 --etcd-s3-bucket backups --etcd-s3-endpoint minio.example:9000 " +
        "--etcd-s3-endpoint-ca /var/lib/rancher/rke2-lifecycle/etcd-s3-endpoint-ca.pem --etcd-s3-region eu-1 " +
        "--etcd-s3-folder prod --etcd-s3-timeout 5m --etcd-s3-bucket-lookup-type path",
    );
    expect(steps).toContain(
      'server-1: export AWS_ACCESS_KEY_ID="$(kubectl -n rke2-lifecycle-system get secret s3-creds ' +
        "-o jsonpath='{.data.accessKey}' | base64 -d)\"",
    );
    // The credentials are fetched before any server stops (the API is down after).
    expect(steps.findIndex((l) => l.includes("AWS_SECRET_ACCESS_KEY"))).toBeLessThan(
      steps.findIndex((l) => l.includes("systemctl stop")),
    );
    expect(steps.some((line) => line.includes("ls -l"))).toBe(false);
  });

  it("S3 without a credentials Secret: no exports, the node's IAM role", () => {
    const runbook = build(input(S3));
    const creds = runbook.steps.find((step) => step.title.includes("S3 credentials"));
    expect(creds?.commands).toEqual([]);
    expect(creds?.notes.join(" ")).toContain("IAM role");
  });

  it("never deletes server/db; every move goes to a new folder", () => {
    for (const snapshot of [LOCAL, S3]) {
      const steps = walk(input(snapshot));
      expect(steps.some((line) => /\brm\b/.test(line))).toBe(false);
      expect(steps.filter((line) => line.includes("sudo mv"))).toHaveLength(2);
    }
  });

  it.each([
    ["a local file on a node that is no longer an etcd server", { ...LOCAL, node: "agent-1" }, "not an etcd server"],
    ["a location that is neither file:// nor S3", { ...LOCAL, location: "https://x/y" }, "neither a file:// path"],
  ])("refuses %s", (_, snapshot, message) => {
    const result = buildRestoreRunbook(input(snapshot));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it("prints a numbered runbook with the nodes, the wait message and the token caveat", () => {
    const text = renderRunbook(build(input(LOCAL)));
    expect(text).toContain("Restore runbook for etcd snapshot nightly-server-1-1765065600.zip");
    expect(text).toContain("restoring server: server-1");
    expect(text).toContain("etcd servers that rejoin: etcd-1, server-2");
    expect(text).toMatch(/^1\. Before anything stops: keep the server token .* — on server-1$/m);
    expect(text).toContain(RESET_DONE_MESSAGE);
    expect(text).toContain("bootstrap data already found and encrypted with different token");
    expect(text).toContain("Move, never delete");
  });
});

describe("choosing the copy", () => {
  const record = (name: string, location: string, ready = true): EtcdSnapshotFile => ({
    apiVersion: "k3s.cattle.io/v1",
    kind: "ETCDSnapshotFile",
    metadata: { name },
    spec: { snapshotName: "snap-a", nodeName: "server-1", location },
    status: ready ? { size: "100", readyToUse: true } : { readyToUse: false, error: { message: "upload failed" } },
  });
  const local = record("local-snap-a", "file:///var/lib/rancher/rke2/server/db/snapshots/snap-a");
  const s3 = record("s3-snap-a", "s3://b/snap-a");
  const failedS3 = record("s3-snap-a", "s3://b/snap-a", false);

  it.each([
    ["auto prefers a ready S3 copy", [local, s3], "snap-a", "auto", "s3-snap-a"],
    ["auto falls back to the local file when S3 failed", [local, failedS3], "snap-a", "auto", "local-snap-a"],
    ["local asked", [local, s3], "snap-a", "local", "local-snap-a"],
    ["a record name picks that record", [local, s3], "local-snap-a", "auto", "local-snap-a"],
  ] as const)("%s", (_, records, wanted, source, expected) => {
    const chosen = chooseCopy(records, wanted, source);
    expect(typeof chosen === "string" ? chosen : chosen.metadata.name).toBe(expected);
  });

  it.each([
    ["an unknown name", [local], "nope", "auto", "no ETCDSnapshotFile"],
    ["a failed copy asked for", [local, failedS3], "snap-a", "s3", "upload failed"],
    ["no copy of that kind", [local], "snap-a", "s3", "has no s3 copy"],
  ] as const)("refuses %s", (_, records, wanted, source, message) => {
    expect(chooseCopy(records, wanted, source)).toEqual(expect.stringContaining(message));
  });

  it("stamps the moved folder with the time", () => {
    expect(folderStamp(new Date("2025-12-07T12:00:00.123Z"))).toBe("20251207T120000Z");
  });
});
