import { describe, expect, it } from "@jest/globals";
import {
  buildCertRotateArgs,
  buildRestoreDrillArgs,
  buildSnapshotDeleteArgs,
  buildSnapshotSaveArgs,
} from "../../../../src/nodeops/agent-args.ts";
import { FakeRunner, ok, TERMINATION_LOG, runAgent } from "./fixtures.ts";

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
      const { code, out, err, fs } = await runAgent(
        ["node-agent", subcommand, "--name", "x", flag],
        new FakeRunner({}),
      );
      expect([code, err]).toEqual([0, ""]);
      expect(out).toMatch(new RegExp(`^Usage: rke2-lifecycle node-agent ${subcommand} `));
      expect(fs.files.has(TERMINATION_LOG)).toBe(false);
    }
  });

  it.each(Object.entries(operatorArgv))(
    "%s --help describes every flag the operator passes",
    async (subcommand, argv) => {
      const { out } = await runAgent(["node-agent", subcommand, "--help"], new FakeRunner({}));
      const flags = argv.filter((arg) => arg.startsWith("--") && arg !== "--");
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) expect(out).toMatch(new RegExp(`^ {2}${flag}( |$)`, "m"));
    },
  );

  it("a snapshot named --help after -- is a name, not a request for help", async () => {
    const { out } = await runAgent(
      ["node-agent", "snapshot-delete", "--", "--help"],
      new FakeRunner({ delete: () => ok("") }),
    );
    expect(out).not.toContain("Usage:");
  });
});
