import { describe, expect, it } from "@jest/globals";
import {
  buildCertRotateArgs,
  buildSnapshotDeleteArgs,
  buildSnapshotSaveArgs,
  parseCertRotateArgs,
  parseSnapshotDeleteArgs,
  parseSnapshotSaveArgs,
  type SnapshotDeleteOptions,
  type SnapshotSaveOptions,
} from "../../../src/nodeops/agent-args.ts";

const fullS3 = {
  bucket: "backups",
  endpoint: "s3.example.com",
  endpointCa: "/etc/ssl/ca.pem",
  skipSslVerify: true,
  region: "eu-west-1",
  folder: "prod/etcd",
  insecure: true,
  timeout: "5m0s",
  bucketLookupType: "path" as const,
  proxy: "http://proxy:3128",
  configSecret: "etcd-s3",
};

describe("snapshot-save argv", () => {
  it.each<[string, SnapshotSaveOptions]>([
    ["local only", { name: "daily", compress: false }],
    ["compressed into a dir", { name: "daily", compress: true, dir: "/data/snaps" }],
    ["s3 with only a bucket", { name: "pre-upgrade", compress: true, s3: { bucket: "b" } }],
    ["every s3 flag", { name: "daily", compress: false, s3: fullS3 }],
  ])("round-trips %s", (_label, options) => {
    expect(parseSnapshotSaveArgs(buildSnapshotSaveArgs(options))).toEqual({ ok: true, options });
  });

  it("builds the documented argv", () => {
    expect(buildSnapshotSaveArgs({ name: "daily", compress: true, s3: { bucket: "b", folder: "f" } })).toEqual([
      "node-agent",
      "snapshot-save",
      "--name",
      "daily",
      "--compress",
      "--s3",
      "--s3-bucket",
      "b",
      "--s3-folder",
      "f",
    ]);
  });

  it("never puts credentials in argv", () => {
    const argv = buildSnapshotSaveArgs({ name: "daily", compress: false, s3: fullS3 }).join(" ");
    expect(argv).not.toMatch(/access-key|secret-key|session-token/);
  });

  it.each([
    [["node-agent", "snapshot-save"], "needs --name"],
    [["node-agent", "snapshot-delete", "--name", "x"], 'expected "node-agent snapshot-save"'],
    [["node-agent", "snapshot-save", "--name", "x", "--s3-access-key", "k"], "Unknown option"],
    [["node-agent", "snapshot-save", "--name", "x", "--s3"], "needs --s3-bucket"],
    [["node-agent", "snapshot-save", "--name", "x", "--s3-bucket", "b"], "need --s3"],
    [
      ["node-agent", "snapshot-save", "--name", "x", "--s3", "--s3-bucket", "b", "--s3-bucket-lookup-type", "vhost"],
      "must be one of",
    ],
    [["node-agent", "snapshot-save", "--name", "x", "extra"], "positional"],
  ])("rejects %j", (argv, message) => {
    const parsed = parseSnapshotSaveArgs(argv);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(message);
  });
});

describe("snapshot-delete argv", () => {
  it.each<[string, SnapshotDeleteOptions]>([
    ["one local snapshot", { names: ["daily-s1-1767225600"] }],
    ["several on s3", { names: ["a-s1-1", "b-s1-2"], s3: { bucket: "b", folder: "f" } }],
    ["a name starting with a dash", { names: ["-odd"], dir: "/d" }],
  ])("round-trips %s", (_label, options) => {
    expect(parseSnapshotDeleteArgs(buildSnapshotDeleteArgs(options))).toEqual({ ok: true, options });
  });

  it("needs a name", () => {
    expect(parseSnapshotDeleteArgs(["node-agent", "snapshot-delete"])).toEqual({
      ok: false,
      error: "snapshot-delete needs at least one snapshot name",
    });
  });
});

describe("cert-rotate argv", () => {
  it.each([[[]], [["etcd"]], [["api-server", "kubelet"]]])("round-trips services %j", (services) => {
    expect(parseCertRotateArgs(buildCertRotateArgs({ services }))).toEqual({ ok: true, options: { services } });
  });

  it("rejects an unknown flag", () => {
    expect(parseCertRotateArgs(["node-agent", "cert-rotate", "--all"]).ok).toBe(false);
  });
});
