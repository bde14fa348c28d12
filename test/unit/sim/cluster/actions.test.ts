import { describe, expect, it } from "@jest/globals";
import {
  actionRequestOf,
  planAction,
  versionFromUpgradeImage,
  type NodeFacts,
} from "../../../../src/sim/cluster/actions.ts";
import { NO_FAULTS } from "../../../../src/sim/cluster/faults.ts";
import type { Pod } from "../../../../src/sim/cluster/kinds.ts";
import {
  buildCertRotateArgs,
  buildRestoreDrillArgs,
  buildSnapshotDeleteArgs,
  buildSnapshotSaveArgs,
} from "../../../../src/nodeops/agent-args.ts";
import { decodeResult } from "../../../../src/nodeops/results.ts";
import type { EtcdSnapshotFile } from "../../../../src/api/etcdsnapshotfile.ts";

const NOW = Date.UTC(2026, 0, 1);

function actionPod(action: string, image: string, args: string[] = []): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "jobs", labels: { "rke2-lifecycle.io/action": action } },
    spec: {
      nodeName: "server-1",
      containers: [{ name: "main", image, command: ["/usr/local/bin/rke2-lifecycle"], args }],
    },
  };
}

function facts(overrides: Partial<NodeFacts> = {}): NodeFacts {
  return {
    name: "server-1",
    roles: { etcd: true, controlPlane: true },
    version: "v1.30.6+rke2r1",
    faults: NO_FAULTS,
    saveInProgress: false,
    snapshotRecords: [],
    nowMs: NOW,
    snapshotSizeBytes: 1000,
    ...overrides,
  };
}

describe("upgrade image versions", () => {
  it.each([
    ["rancher/rke2-upgrade:v1.31.2-rke2r1", "v1.31.2+rke2r1"],
    ["docker.io/rancher/rke2-upgrade:v1.30.6-rke2r2@sha256:abc", "v1.30.6+rke2r2"],
    ["registry:5000/rancher/rke2-upgrade:v1.31.0-rc1-rke2r1", "v1.31.0-rc1+rke2r1"],
    ["registry:5000/rancher/rke2-upgrade", undefined],
    ["rancher/rke2-upgrade:latest", undefined],
  ])("%s -> %s", (image, version) => {
    expect(versionFromUpgradeImage(image)).toBe(version);
  });
});

describe("node action effects", () => {
  it("upgrade to a new version succeeds and restarts with the new binary", () => {
    const request = actionRequestOf(actionPod("upgrade", "rancher/rke2-upgrade:v1.31.2-rke2r1"));
    expect(planAction(request!, facts())).toMatchObject({ exitCode: 0, restart: { version: "v1.31.2+rke2r1" } });
  });

  it("upgrade to the running version exits 0 without a restart", () => {
    const outcome = planAction(actionRequestOf(actionPod("upgrade", "rancher/rke2-upgrade:v1.30.6-rke2r1"))!, facts());
    expect(outcome.exitCode).toBe(0);
    expect(outcome.restart).toBeUndefined();
  });

  it("jobFails makes any action exit 1 with the message", () => {
    const outcome = planAction(
      actionRequestOf(actionPod("upgrade", "rancher/rke2-upgrade:v1.31.2-rke2r1"))!,
      facts({ faults: { ...NO_FAULTS, jobFails: "disk full" } }),
    );
    expect(outcome).toMatchObject({ exitCode: 1, message: "disk full" });
    expect(outcome.restart).toBeUndefined();
  });

  it("snapshot-save with S3 writes one record per location and a parsable result", () => {
    const pod = actionPod(
      "snapshot-save",
      "operator",
      buildSnapshotSaveArgs({ name: "daily", compress: true, s3: { bucket: "b", folder: "f" } }),
    );
    const outcome = planAction(actionRequestOf(pod)!, facts());
    expect(outcome.exitCode).toBe(0);
    expect(outcome.createRecords.map((r) => r.spec.location)).toEqual([
      "file:///var/lib/rancher/rke2/server/db/snapshots/daily-server-1-1767225600.zip",
      "s3://b/f/daily-server-1-1767225600.zip",
    ]);
    expect(outcome.createRecords.every((r) => r.status?.readyToUse === true)).toBe(true);
    const decoded = decodeResult(outcome.message);
    expect(
      decoded.ok && decoded.result.ok && decoded.result.action === "snapshot-save"
        ? decoded.result.snapshots.length
        : 0,
    ).toBe(2);
  });

  it.each<[string, Partial<NodeFacts>, string]>([
    ["an overlapping save", { saveInProgress: true }, "snapshot save already in progress"],
    ["snapshotFails", { faults: { ...NO_FAULTS, snapshotFails: true } }, "failed to save snapshot"],
    ["an agent", { roles: { etcd: false, controlPlane: false } }, "etcd datastore disabled"],
    ["S3 unavailable", { faults: { ...NO_FAULTS, s3Unavailable: true } }, "failed to test for existence of bucket b"],
  ])("snapshot-save fails on %s", (_label, overrides, error) => {
    const pod = actionPod(
      "snapshot-save",
      "operator",
      buildSnapshotSaveArgs({ name: "daily", compress: false, s3: { bucket: "b" } }),
    );
    const outcome = planAction(actionRequestOf(pod)!, facts(overrides));
    expect(outcome.exitCode).toBe(1);
    const decoded = decodeResult(outcome.message);
    expect(decoded.ok && !decoded.result.ok ? decoded.result.error : "").toContain(error);
  });

  it("S3 unavailable still keeps the local snapshot and records the failed upload", () => {
    const pod = actionPod(
      "snapshot-save",
      "operator",
      buildSnapshotSaveArgs({ name: "daily", compress: false, s3: { bucket: "b" } }),
    );
    const outcome = planAction(actionRequestOf(pod)!, facts({ faults: { ...NO_FAULTS, s3Unavailable: true } }));
    expect(outcome.createRecords.map((r) => r.status?.readyToUse)).toEqual([true, false]);
  });

  it("snapshot-delete removes this node's local record and the S3 one only with --s3", () => {
    const record = (name: string, location: string, node = "server-1"): EtcdSnapshotFile => ({
      apiVersion: "k3s.cattle.io/v1",
      kind: "ETCDSnapshotFile",
      metadata: { name },
      spec: { snapshotName: "daily-server-1-1", nodeName: node, location },
    });
    const records = [
      record("local-a", "file:///x"),
      record("s3-a", "s3://b/x"),
      record("local-other", "file:///x", "server-2"),
    ];
    const local = planAction(
      actionRequestOf(
        actionPod("snapshot-delete", "op", buildSnapshotDeleteArgs({ names: ["daily-server-1-1", "missing"] })),
      )!,
      facts({ snapshotRecords: records }),
    );
    expect(local.deleteRecords).toEqual(["local-a"]);
    expect(decodeResult(local.message)).toEqual({
      ok: true,
      result: { ok: true, action: "snapshot-delete", deleted: ["daily-server-1-1"] },
    });
    const both = planAction(
      actionRequestOf(
        actionPod(
          "snapshot-delete",
          "op",
          buildSnapshotDeleteArgs({ names: ["daily-server-1-1"], s3: { bucket: "b" } }),
        ),
      )!,
      facts({ snapshotRecords: records }),
    );
    expect(both.deleteRecords).toEqual(["local-a", "s3-a"]);
  });

  it("cert-rotate restarts and reports the services; an unknown service fails", () => {
    const ok = planAction(
      actionRequestOf(actionPod("cert-rotate", "op", buildCertRotateArgs({ services: ["etcd"] })))!,
      facts(),
    );
    expect(ok).toMatchObject({ exitCode: 0, restart: {}, rotateServices: ["etcd"] });
    expect(decodeResult(ok.message)).toEqual({
      ok: true,
      result: {
        ok: true,
        action: "cert-rotate",
        services: ["etcd"],
        backupDir: "/var/lib/rancher/rke2/server/tls-1767225600",
      },
    });
    const bad = planAction(
      actionRequestOf(actionPod("cert-rotate", "op", buildCertRotateArgs({ services: ["bogus"] })))!,
      facts(),
    );
    expect(bad.exitCode).toBe(1);
  });

  it("a pod without the action label is not an action; garbage argv is reported", () => {
    const plain = actionPod("x", "i");
    delete plain.metadata.labels;
    expect(actionRequestOf(plain)).toBeUndefined();
    expect(actionRequestOf(actionPod("snapshot-save", "op", ["node-agent", "snapshot-save"]))).toEqual({
      action: "invalid",
      error: "snapshot-save needs --name",
    });
  });
});

describe("SIMULATED restore drill", () => {
  const save = (corrupt: boolean) => {
    const request = actionRequestOf(
      actionPod("snapshot-save", "op", buildSnapshotSaveArgs({ name: "nightly", compress: true })),
    );
    if (!request) throw new Error("no request");
    return planAction(request, facts({ faults: { ...NO_FAULTS, corruptSnapshots: corrupt } }));
  };
  const drill = (snapshot: string, files: NonNullable<ReturnType<typeof save>["writeFiles"]>) => {
    const args = buildRestoreDrillArgs({ snapshot, scratch: "/scratch", clientPort: 1, peerPort: 2 });
    const request = actionRequestOf(actionPod("restore-drill", "op", args));
    if (!request) throw new Error("no request");
    return planAction(request, facts({ snapshotFiles: new Map(files) }));
  };

  it("a good file restores with revision and keys; a corrupt one fails its SHA-256; a missing one is named", () => {
    const good = save(false).writeFiles ?? [];
    const path = good[0]?.[0] ?? "";
    expect(path).toBe("/var/lib/rancher/rke2/server/db/snapshots/nightly-server-1-1767225600.zip");
    const ok = drill(path, good);
    expect([ok.exitCode, decodeResult(ok.message)]).toEqual([
      0,
      {
        ok: true,
        result: expect.objectContaining({ action: "restore-drill", revision: 1767225600 % 10_000_000, keys: 1200 }),
      },
    ]);
    const bad = drill(path, save(true).writeFiles ?? []);
    expect(bad.exitCode).toBe(1);
    expect(bad.message).toContain("restore failed: Error: expected sha256 [");
    expect(drill("/elsewhere/x.zip", good).message).toContain("snapshot file /elsewhere/x.zip is not on this node");
  });
});
