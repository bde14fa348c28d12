import { describe, expect, it } from "@jest/globals";
import { buildSnapshotSaveArgs } from "../../../../src/nodeops/agent-args.ts";
import { HOST_CA_PATH, HOST_NAMESPACES_PREFIX } from "../../../../src/nodeops/agent/host.ts";
import {
  FakeFs,
  FakeRunner,
  LEGACY_SAVE_LOG,
  SAVE_IN_PROGRESS,
  failed,
  listJson,
  ok,
  saveLog,
  SNAPSHOT_NAME,
  LOCAL_SNAPSHOT,
  REMOTE_SNAPSHOT,
  SNAPSHOT_DIGEST,
  runAgent,
} from "./fixtures.ts";

describe("node-agent snapshot-save", () => {
  it("saves locally and to S3 in the host's namespaces and reports both copies", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(SNAPSHOT_NAME, SNAPSHOT_NAME)),
      ls: () =>
        ok(
          listJson([
            { name: SNAPSHOT_NAME, node: "server-1", location: LOCAL_SNAPSHOT },
            { name: SNAPSHOT_NAME, node: "server-1", location: REMOTE_SNAPSHOT, s3: true },
          ]),
        ),
    });
    const argv = buildSnapshotSaveArgs({
      name: "nightly",
      compress: true,
      s3: { bucket: "backups", folder: "prod", region: "eu-west-1", bucketLookupType: "path", timeout: "5m" },
    });
    const { code, decoded } = await runAgent(argv, runner);
    expect(code).toBe(0);
    expect(runner.calls[0]?.argv.slice(0, HOST_NAMESPACES_PREFIX.length)).toEqual([...HOST_NAMESPACES_PREFIX]);
    expect(runner.rke2Args("save")).toEqual([
      "/usr/local/bin/rke2",
      "etcd-snapshot",
      "save",
      "--name",
      "nightly",
      "--etcd-snapshot-compress",
      "--etcd-s3",
      "--etcd-s3-bucket",
      "backups",
      "--etcd-s3-region",
      "eu-west-1",
      "--etcd-s3-folder",
      "prod",
      "--etcd-s3-timeout",
      "5m",
      "--etcd-s3-bucket-lookup-type",
      "path",
    ]);
    expect(runner.rke2Args("ls")).toContain("json");
    // Credentials reach rke2 through its env, never through argv.
    expect(runner.calls[0]?.env.AWS_SECRET_ACCESS_KEY).toBe("very-secret");
    expect(runner.calls.flatMap((c) => c.argv).join(" ")).not.toContain("very-secret");
    expect(decoded).toEqual({
      ok: true,
      result: {
        ok: true,
        action: "snapshot-save",
        snapshots: [
          {
            name: SNAPSHOT_NAME,
            node: "server-1",
            location: LOCAL_SNAPSHOT,
            size: 24_576_000,
            createdAt: "2025-03-01T02:00:00Z",
            digest: SNAPSHOT_DIGEST,
          },
          {
            name: SNAPSHOT_NAME,
            node: "server-1",
            location: REMOTE_SNAPSHOT,
            size: 24_576_000,
            createdAt: "2025-03-01T02:00:00Z",
            digest: SNAPSHOT_DIGEST,
          },
        ],
      },
    });
  });

  it("fails when rke2 saved locally but the S3 upload did not happen (rke2 itself exits 0)", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(SNAPSHOT_NAME)),
      ls: () => ok(listJson([{ name: SNAPSHOT_NAME, node: "server-1", location: LOCAL_SNAPSHOT }])),
    });
    const { code, decoded } = await runAgent(
      buildSnapshotSaveArgs({ name: "nightly", compress: true, s3: { bucket: "backups" } }),
      runner,
    );
    expect(code).toBe(1);
    expect(decoded.ok && decoded.result).toEqual({
      ok: false,
      action: "snapshot-save",
      error: expect.stringContaining("not uploaded to S3 bucket backups"),
    });
  });

  it("reports a concurrent save clearly", async () => {
    const runner = new FakeRunner({ save: () => failed(SAVE_IN_PROGRESS) });
    const { code, decoded } = await runAgent(buildSnapshotSaveArgs({ name: "nightly", compress: false }), runner);
    expect(code).toBe(1);
    const error = decoded.ok && !decoded.result.ok ? decoded.result.error : "";
    expect(error).toMatch(/^another etcd snapshot save is running on this node: .*snapshot save already in progress$/);
  });

  it("passes the rke2 failure message through (S3 unreachable)", async () => {
    const runner = new FakeRunner({
      save: () =>
        failed(
          'time="x" level=fatal msg="see server log for details: failed to initialize S3 client: ' +
            'Head \\"https://minio.example:9000/backups/\\": dial tcp 10.0.0.9:9000: connect: connection refused"',
        ),
    });
    const { decoded } = await runAgent(
      buildSnapshotSaveArgs({
        name: "nightly",
        compress: false,
        s3: { bucket: "backups", endpoint: "minio.example:9000" },
      }),
      runner,
    );
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toBe(
      "see server log for details: failed to initialize S3 client: " +
        'Head "https://minio.example:9000/backups/": dial tcp 10.0.0.9:9000: connect: connection refused',
    );
  });

  it("reads older releases (in-process save, map-shaped ls output)", async () => {
    const legacyList = JSON.stringify({
      "local-nightly-server-1-1740794400.zip": {
        name: SNAPSHOT_NAME,
        location: LOCAL_SNAPSHOT,
        nodeName: "server-1",
        createdAt: "2025-03-01T02:00:00Z",
        size: 1234,
        status: "successful",
        compressed: true,
      },
    });
    const runner = new FakeRunner({ save: () => ok("", LEGACY_SAVE_LOG), ls: () => ok(legacyList) });
    const { code, decoded } = await runAgent(buildSnapshotSaveArgs({ name: "nightly", compress: true }), runner);
    expect(code).toBe(0);
    expect(
      decoded.ok && decoded.result.ok && decoded.result.action === "snapshot-save" && decoded.result.snapshots,
    ).toEqual([
      {
        name: SNAPSHOT_NAME,
        node: "server-1",
        location: LOCAL_SNAPSHOT,
        size: 1234,
        createdAt: "2025-03-01T02:00:00Z",
        digest: SNAPSHOT_DIGEST,
      },
    ]);
  });

  it("fails, naming the file, when the saved snapshot cannot be read to hash it", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(SNAPSHOT_NAME)),
      ls: () => ok(listJson([{ name: SNAPSHOT_NAME, node: "server-1", location: LOCAL_SNAPSHOT }])),
    });
    const fs = new FakeFs({ "/host/usr/local/bin/rke2": "elf" });
    const { code, decoded } = await runAgent(buildSnapshotSaveArgs({ name: "nightly", compress: true }), runner, fs);
    expect(code).toBe(1);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toBe(
      `snapshot ${SNAPSHOT_NAME} saved, but cannot read ${LOCAL_SNAPSHOT} to hash it: ` +
        `ENOENT: no such file or directory, open '/host${LOCAL_SNAPSHOT.slice("file://".length)}'`,
    );
  });

  it("copies a mounted endpoint CA to the host and passes the host path", async () => {
    const fs = new FakeFs({
      "/host/usr/bin/rke2": "elf",
      "/run/rke2-lifecycle/s3/ca.crt": "-----BEGIN CERTIFICATE-----\nx\n",
    });
    const runner = new FakeRunner({ save: () => failed('level=fatal msg="boom"') });
    await runAgent(
      buildSnapshotSaveArgs({
        name: "n",
        compress: false,
        s3: { bucket: "b", endpointCa: "/run/rke2-lifecycle/s3/ca.crt" },
      }),
      runner,
      fs,
    );
    expect(fs.files.get(`/host${HOST_CA_PATH}`)).toContain("BEGIN CERTIFICATE");
    expect(runner.rke2Args("save")).toEqual(
      expect.arrayContaining(["/usr/bin/rke2", "--etcd-s3-endpoint-ca", HOST_CA_PATH]),
    );
  });

  it("fails without running anything when the node has no rke2", async () => {
    const runner = new FakeRunner({});
    const { code, decoded } = await runAgent(
      buildSnapshotSaveArgs({ name: "n", compress: false }),
      runner,
      new FakeFs(),
    );
    expect(code).toBe(1);
    expect(runner.calls).toHaveLength(0);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toMatch(/no rke2 binary on this node/);
  });

  it("exits 2 with a failure result on bad flags", async () => {
    const { code, decoded, err } = await runAgent(["snapshot-save", "--bogus"], new FakeRunner({}));
    expect(code).toBe(2);
    expect(err).toContain("--bogus");
    expect(decoded.ok && decoded.result.ok).toBe(false);
  });

  it("exits 2 on an unknown subcommand", async () => {
    const { code, err } = await runAgent(["node-agent", "reboot"], new FakeRunner({}));
    expect(code).toBe(2);
    expect(err).toContain('unknown subcommand "reboot"');
  });
});
