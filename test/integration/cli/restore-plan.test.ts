/**
 * `rke2-lifecycle restore plan` on the 7-node topology, as a person runs it (a child process on
 * the cluster's kubeconfig), from a local snapshot and from S3; then the printed runbook is walked
 * step by step on the SIMULATED cluster reset (src/sim/cluster/cluster-reset.ts), which fails on a
 * wrong order. The snapshot records are the ones RKE2 writes for a save (the sim's
 * snapshotsForSave); no operator runs: the command only reads.
 */
import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { etcdSnapshotFileResource } from "../../../src/api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import type { RestoreRunbook } from "../../../src/cli/restore-runbook.ts";
import { NODE_RESOURCE } from "../../../src/runtime/kube/core-resources.ts";
import { rolesFromLabels } from "../../../src/rke2/roles.ts";
import { SimulatedClusterReset } from "../../../src/sim/cluster/cluster-reset.ts";
import { snapshotsForSave } from "../../../src/sim/cluster/snapshots.ts";
import { withSim } from "../../support/sim-harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const run = promisify(execFile);
const sim = withSim();
const TAKEN_MS = Date.parse("2025-12-07T00:00:00Z");

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const home = mkdtempSync(join(tmpdir(), "cli-restore-home-"));
  const env = { PATH: process.env.PATH ?? "", HOME: home };
  try {
    const { stdout, stderr } = await run(process.execPath, ["src/main.ts", ...args], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : -1,
      out: failed.stdout ?? "",
      err: failed.stderr ?? "",
    };
  }
}

/** Writes the records RKE2 leaves after `etcd-snapshot save` on server-1, with an S3 copy. */
async function recordSnapshot(): Promise<string> {
  const saved = snapshotsForSave(
    {
      name: "nightly",
      compress: true,
      s3: { bucket: "backups", endpoint: "minio.example:9000", region: "eu-1", folder: "prod" },
    },
    { node: "server-1", nowMs: TAKEN_MS, sizeBytes: 24_576 },
  );
  for (const { record } of saved) {
    const created = await sim().port.create(etcdSnapshotFileResource, { ...record, status: undefined });
    await sim().port.patchStatus(etcdSnapshotFileResource, created.metadata.name, record.status ?? {});
  }
  const policy: EtcdSnapshotPolicy = {
    apiVersion: etcdSnapshotPolicyResource.apiVersion,
    kind: etcdSnapshotPolicyResource.kind,
    metadata: { name: "nightly" },
    spec: {
      schedule: "0 0 * * *",
      suspend: true,
      s3: {
        bucket: "backups",
        endpoint: "minio.example:9000",
        region: "eu-1",
        folder: "prod",
        credentialsSecret: "s3-creds",
      },
    },
  };
  await sim().port.create(etcdSnapshotPolicyResource, policy);
  return saved[0]?.record.spec.snapshotName ?? "";
}

async function servers(files: string[]) {
  const nodes = (await sim().port.list(NODE_RESOURCE)).items;
  return nodes
    .map((node) => ({ node, roles: rolesFromLabels(node.metadata.labels) }))
    .filter(({ roles }) => roles.etcd || roles.controlPlane)
    .map(({ node, roles }) => ({
      name: node.metadata.name,
      etcd: roles.etcd,
      dataDir: "/var/lib/rancher/rke2",
      ...(node.metadata.name === "server-1" ? { files } : {}),
    }));
}

/** Runs every command of the runbook on the simulated servers, in order; the first failure throws. */
function walk(runbook: RestoreRunbook, reset: SimulatedClusterReset): void {
  runbook.steps.forEach((step, index) => {
    for (const command of step.commands) {
      const outcome = reset.run(step.node, command);
      if (!outcome.ok)
        throw new Error(`step ${index + 1} (${step.title}) on ${step.node ?? "kubectl"}: ${outcome.error}`);
    }
  });
}

describe("rke2-lifecycle restore plan", () => {
  it("prints a runbook for a local and an S3 restore on the 7-node topology, and both walk through", async () => {
    const name = await recordSnapshot();
    const kubeconfig = ["--kubeconfig", sim().kubeconfigPath];
    const file = `/var/lib/rancher/rke2/server/db/snapshots/${name}`;

    const text = await cli(["restore", "plan", name, "--source", "local", ...kubeconfig]);
    expect([text.code, text.err]).toEqual([0, ""]);
    expect(text.out).toContain(`Restore runbook for etcd snapshot ${name}`);
    expect(text.out).toContain("restoring server: server-1");
    expect(text.out).toContain("etcd servers that rejoin: etcd-1, server-2");
    expect(text.out).toContain("control-plane-only servers: cp-1");
    expect(text.out).toContain(`sudo rke2 server --cluster-reset --cluster-reset-restore-path=${file} --etcd-s3=false`);

    const local = await cli(["restore", "plan", name, "--source", "local", "--output", "json", ...kubeconfig]);
    const localRunbook = JSON.parse(local.out) as RestoreRunbook;
    const localReset = new SimulatedClusterReset({ servers: await servers([file]) });
    walk(localRunbook, localReset);
    expect(localReset.state().restoredFrom).toBe(`restored from ${file}`);
    expect(localReset.state().running.sort()).toEqual(["cp-1", "etcd-1", "server-1", "server-2"]);
    expect(localReset.state().members.sort()).toEqual(["etcd-1", "server-1", "server-2"]);
    expect(Object.keys(localReset.state().moved).sort()).toEqual(["etcd-1", "server-1", "server-2"]);

    const s3 = await cli(["restore", "plan", name, "--output", "json", ...kubeconfig]);
    expect([s3.code, s3.err]).toEqual([0, ""]);
    const s3Runbook = JSON.parse(s3.out) as RestoreRunbook;
    const commands = s3Runbook.steps.flatMap((step) => step.commands).join("\n");
    expect(commands).toContain(
      `--cluster-reset-restore-path=${name} --etcd-s3 --etcd-s3-bucket backups --etcd-s3-endpoint minio.example:9000 ` +
        "--etcd-s3-region eu-1 --etcd-s3-folder prod --etcd-s3-timeout 5m",
    );
    expect(commands).toContain("kubectl -n rke2-lifecycle-system get secret s3-creds");
    const s3Reset = new SimulatedClusterReset({ servers: await servers([]), s3Objects: [name] });
    walk(s3Runbook, s3Reset);
    expect(s3Reset.state().members.sort()).toEqual(["etcd-1", "server-1", "server-2"]);
  }, 90_000);

  it("says which snapshots exist when the name is unknown", async () => {
    const missing = await cli(["restore", "plan", "no-such-snapshot", "--kubeconfig", sim().kubeconfigPath]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no ETCDSnapshotFile is named no-such-snapshot");
  }, 60_000);
});
