import { describe, expect, it } from "@jest/globals";
import {
  buildCertRotateArgs,
  buildRestoreDrillArgs,
  buildSnapshotDeleteArgs,
  buildSnapshotSaveArgs,
} from "../../../../src/nodeops/agent-args.ts";
import { runNodeAgent } from "../../../../src/nodeops/agent/cli.ts";
import { HOST_CA_PATH, HOST_NAMESPACES_PREFIX } from "../../../../src/nodeops/agent/host.ts";
import { decodeResult } from "../../../../src/nodeops/results.ts";
import { FakeFs, FakeRunner, LEGACY_SAVE_LOG, SAVE_IN_PROGRESS, failed, listJson, ok, saveLog } from "./fixtures.ts";

const LOG = "/tmp/termination-log";
const NAME = "nightly-server-1-1740794400.zip";
const LOCAL = `file:///var/lib/rancher/rke2/server/db/snapshots/${NAME}`;
const REMOTE = `s3://backups/prod/${NAME}`;
const ENV = {
  NODE_NAME: "server-1",
  TERMINATION_LOG_PATH: LOG,
  AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
  AWS_SECRET_ACCESS_KEY: "very-secret",
};

/** The snapshot file on the host, and its digests as `sha256sum`/`md5sum` print them. */
const SNAPSHOT_BYTES = "etcd snapshot bytes\n";
const DIGEST = {
  size: 20,
  sha256: "7978b8f05d639578839e407e61834e1dea08c64ef32d702de3ab746b35dede07",
  md5: "2d45f0673392e1eeb7d256516f47a572",
};
const hostWithSnapshot = () =>
  new FakeFs({ "/host/usr/local/bin/rke2": "elf", [`/host${LOCAL.slice("file://".length)}`]: SNAPSHOT_BYTES });

async function run(argv: string[], runner: FakeRunner, fs = hostWithSnapshot()) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runNodeAgent(
    argv,
    ENV,
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t) },
    { runner, fs, hostRoot: "/host" },
  );
  const decoded = decodeResult(fs.files.get(LOG));
  return { code, decoded, out: out.join(""), err: err.join(""), fs };
}

describe("node-agent snapshot-save", () => {
  it("saves locally and to S3 in the host's namespaces and reports both copies", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(NAME, NAME)),
      ls: () =>
        ok(
          listJson([
            { name: NAME, node: "server-1", location: LOCAL },
            { name: NAME, node: "server-1", location: REMOTE, s3: true },
          ]),
        ),
    });
    const argv = buildSnapshotSaveArgs({
      name: "nightly",
      compress: true,
      s3: { bucket: "backups", folder: "prod", region: "eu-west-1", bucketLookupType: "path", timeout: "5m" },
    });
    const { code, decoded } = await run(argv, runner);
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
            name: NAME,
            node: "server-1",
            location: LOCAL,
            size: 24_576_000,
            createdAt: "2025-03-01T02:00:00Z",
            digest: DIGEST,
          },
          {
            name: NAME,
            node: "server-1",
            location: REMOTE,
            size: 24_576_000,
            createdAt: "2025-03-01T02:00:00Z",
            digest: DIGEST,
          },
        ],
      },
    });
  });

  it("fails when rke2 saved locally but the S3 upload did not happen (rke2 itself exits 0)", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(NAME)),
      ls: () => ok(listJson([{ name: NAME, node: "server-1", location: LOCAL }])),
    });
    const { code, decoded } = await run(
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
    const { code, decoded } = await run(buildSnapshotSaveArgs({ name: "nightly", compress: false }), runner);
    expect(code).toBe(1);
    const error = decoded.ok && !decoded.result.ok ? decoded.result.error : "";
    expect(error).toMatch(/^another etcd snapshot save is running on this node: .*snapshot save already in progress$/);
  });

  it("passes the rke2 failure message through (S3 unreachable)", async () => {
    const runner = new FakeRunner({
      save: () =>
        failed(
          'time="x" level=fatal msg="see server log for details: failed to initialize S3 client: Head \\"https://minio.example:9000/backups/\\": dial tcp 10.0.0.9:9000: connect: connection refused"',
        ),
    });
    const { decoded } = await run(
      buildSnapshotSaveArgs({
        name: "nightly",
        compress: false,
        s3: { bucket: "backups", endpoint: "minio.example:9000" },
      }),
      runner,
    );
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toBe(
      'see server log for details: failed to initialize S3 client: Head "https://minio.example:9000/backups/": dial tcp 10.0.0.9:9000: connect: connection refused',
    );
  });

  it("reads older releases (in-process save, map-shaped ls output)", async () => {
    const legacyList = JSON.stringify({
      "local-nightly-server-1-1740794400.zip": {
        name: NAME,
        location: LOCAL,
        nodeName: "server-1",
        createdAt: "2025-03-01T02:00:00Z",
        size: 1234,
        status: "successful",
        compressed: true,
      },
    });
    const runner = new FakeRunner({ save: () => ok("", LEGACY_SAVE_LOG), ls: () => ok(legacyList) });
    const { code, decoded } = await run(buildSnapshotSaveArgs({ name: "nightly", compress: true }), runner);
    expect(code).toBe(0);
    expect(
      decoded.ok && decoded.result.ok && decoded.result.action === "snapshot-save" && decoded.result.snapshots,
    ).toEqual([
      { name: NAME, node: "server-1", location: LOCAL, size: 1234, createdAt: "2025-03-01T02:00:00Z", digest: DIGEST },
    ]);
  });

  it("fails, naming the file, when the saved snapshot cannot be read to hash it", async () => {
    const runner = new FakeRunner({
      save: () => ok("", saveLog(NAME)),
      ls: () => ok(listJson([{ name: NAME, node: "server-1", location: LOCAL }])),
    });
    const fs = new FakeFs({ "/host/usr/local/bin/rke2": "elf" });
    const { code, decoded } = await run(buildSnapshotSaveArgs({ name: "nightly", compress: true }), runner, fs);
    expect(code).toBe(1);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toBe(
      `snapshot ${NAME} saved, but cannot read ${LOCAL} to hash it: ` +
        `ENOENT: no such file or directory, open '/host${LOCAL.slice("file://".length)}'`,
    );
  });

  it("copies a mounted endpoint CA to the host and passes the host path", async () => {
    const fs = new FakeFs({
      "/host/usr/bin/rke2": "elf",
      "/run/rke2-lifecycle/s3/ca.crt": "-----BEGIN CERTIFICATE-----\nx\n",
    });
    const runner = new FakeRunner({ save: () => failed('level=fatal msg="boom"') });
    await run(
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
    const { code, decoded } = await run(buildSnapshotSaveArgs({ name: "n", compress: false }), runner, new FakeFs());
    expect(code).toBe(1);
    expect(runner.calls).toHaveLength(0);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toMatch(/no rke2 binary on this node/);
  });

  it("exits 2 with a failure result on bad flags", async () => {
    const { code, decoded, err } = await run(["snapshot-save", "--bogus"], new FakeRunner({}));
    expect(code).toBe(2);
    expect(err).toContain("--bogus");
    expect(decoded.ok && decoded.result.ok).toBe(false);
  });

  it("exits 2 on an unknown subcommand", async () => {
    const { code, err } = await run(["node-agent", "reboot"], new FakeRunner({}));
    expect(code).toBe(2);
    expect(err).toContain('unknown subcommand "reboot"');
  });
});

describe("node-agent snapshot-delete", () => {
  it("deletes by name after -- and reports what rke2 removed", async () => {
    const runner = new FakeRunner({
      delete: () =>
        ok(
          "",
          [
            'level=info msg="Snapshot a-server-1-1.zip deleted."',
            'level=info msg="Snapshot a-server-1-1.zip deleted."',
            'level=warning msg="Snapshot a-server-1-2.zip not found."',
          ].join("\n"),
        ),
    });
    const { code, decoded } = await run(
      buildSnapshotDeleteArgs({ names: ["a-server-1-1.zip", "a-server-1-2.zip"], s3: { bucket: "backups" } }),
      runner,
    );
    expect(code).toBe(0);
    expect(runner.rke2Args("delete")?.slice(-3)).toEqual(["--", "a-server-1-1.zip", "a-server-1-2.zip"]);
    expect(decoded.ok && decoded.result).toEqual({
      ok: true,
      action: "snapshot-delete",
      deleted: ["a-server-1-1.zip"],
    });
  });

  it("takes exit 0 of a release that logs nothing per snapshot as all deleted", async () => {
    const runner = new FakeRunner({
      delete: () => ok("", 'level=info msg="Removing the given locally stored etcd snapshot(s)"'),
    });
    const { decoded } = await run(buildSnapshotDeleteArgs({ names: ["a-n-1"] }), runner);
    expect(decoded.ok && decoded.result).toEqual({ ok: true, action: "snapshot-delete", deleted: ["a-n-1"] });
  });

  it("reports a failed delete", async () => {
    const runner = new FakeRunner({
      delete: () =>
        failed('level=fatal msg="see server log for details: failed to initialize S3 client: Access Denied"'),
    });
    const { code, decoded } = await run(buildSnapshotDeleteArgs({ names: ["a-n-1"], s3: { bucket: "b" } }), runner);
    expect(code).toBe(1);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toContain("Access Denied");
  });
});

describe("node-agent <subcommand> --help", () => {
  const everyS3Option = {
    bucket: "b",
    endpoint: "e",
    endpointCa: "/ca",
    skipSslVerify: true,
    region: "r",
    folder: "f",
    insecure: true,
    timeout: "5m",
    bucketLookupType: "path" as const,
    proxy: "http://p",
    configSecret: "s",
  };
  const operatorArgv: Record<string, string[]> = {
    "snapshot-save": buildSnapshotSaveArgs({ name: "n", compress: true, dir: "/d", s3: everyS3Option }),
    "snapshot-delete": buildSnapshotDeleteArgs({ names: ["x"], dir: "/d", s3: everyS3Option }),
    "cert-rotate": buildCertRotateArgs({ services: ["etcd"], dataDir: "/opt/rke2" }),
    "restore-drill": buildRestoreDrillArgs({ snapshot: "/s", scratch: "/d", clientPort: 1, peerPort: 2 }),
    "cert-inventory": ["node-agent", "cert-inventory", "--namespace", "n", "--scan-interval", "1m", "--data-dir", "/d"],
  };

  it.each(Object.keys(operatorArgv))("%s --help prints its usage, exits 0 and writes no result", async (subcommand) => {
    for (const flag of ["--help", "-h"]) {
      const { code, out, err, fs } = await run(["node-agent", subcommand, "--name", "x", flag], new FakeRunner({}));
      expect([code, err]).toEqual([0, ""]);
      expect(out).toMatch(new RegExp(`^Usage: rke2-lifecycle node-agent ${subcommand} `));
      expect(fs.files.has(LOG)).toBe(false);
    }
  });

  it.each(Object.entries(operatorArgv))(
    "%s --help describes every flag the operator passes",
    async (subcommand, argv) => {
      const { out } = await run(["node-agent", subcommand, "--help"], new FakeRunner({}));
      const flags = argv.filter((arg) => arg.startsWith("--") && arg !== "--");
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) expect(out).toMatch(new RegExp(`^ {2}${flag}( |$)`, "m"));
    },
  );

  it("a snapshot named --help after -- is a name, not a request for help", async () => {
    const { out } = await run(
      ["node-agent", "snapshot-delete", "--", "--help"],
      new FakeRunner({ delete: () => ok("") }),
    );
    expect(out).not.toContain("Usage:");
  });
});
