import { describe, expect, it } from "@jest/globals";
import {
  deletedSnapshotNames,
  failureMessage,
  parseLogLines,
  parseSnapshotList,
  savedSnapshotNames,
} from "../../../../src/nodeops/agent/rke2-output.ts";
import { LEGACY_SAVE_LOG, listJson, saveLog } from "./fixtures.ts";

describe("rke2 etcd-snapshot output", () => {
  it("reads logrus text lines, unescaping quotes", () => {
    expect(parseLogLines('time="t" level=error msg="say \\"hi\\""\npanic: boom')).toEqual([
      { level: "error", msg: 'say "hi"' },
      { level: "unknown", msg: "panic: boom" },
    ]);
  });

  it.each([
    ["current release, local and S3", saveLog("a-n-1.zip", "a-n-1.zip"), ["a-n-1.zip"]],
    ["current release, local only", saveLog("a-n-1"), ["a-n-1"]],
    ["older in-process release, compressed", LEGACY_SAVE_LOG, ["nightly-server-1-1740794400.zip"]],
    ["nothing recognisable", 'level=info msg="hello"', []],
  ])("save names: %s", (_case, output, names) => {
    expect(savedSnapshotNames(output)).toEqual(names);
  });

  it("delete names: deleted, not found, or no per-snapshot lines", () => {
    expect(
      deletedSnapshotNames('level=info msg="Snapshot x deleted."\nlevel=warning msg="Snapshot y not found."'),
    ).toEqual({ deleted: ["x"], notFound: ["y"] });
    expect(
      deletedSnapshotNames('level=info msg="Snapshot x deleted locally"\nlevel=info msg="Snapshot x not found in S3"'),
    ).toEqual({ deleted: ["x"], notFound: [] });
    expect(deletedSnapshotNames('level=info msg="Removing the given locally stored etcd snapshot(s)"')).toBeUndefined();
  });

  it.each([
    ["fatal line wins", 'level=info msg="a"\nlevel=fatal msg="Error: boom"', "", "boom"],
    ["last error line", "", 'level=error msg="first"\nlevel=error msg="second"\nlevel=info msg="z"', "second"],
    ["plain text", "", "flag provided but not defined: -x", "flag provided but not defined: -x"],
    ["nothing", "", "", "rke2 etcd-snapshot failed without a message"],
  ])("failure message: %s", (_case, stdout, stderr, message) => {
    expect(failureMessage(stdout, stderr)).toBe(message);
  });

  it("parses the ETCDSnapshotFile List with Quantity sizes and readiness", () => {
    const listed = parseSnapshotList(
      listJson([
        { name: "a", node: "n1", location: "file:///d/a", size: "16Mi" },
        { name: "a", node: "s3", location: "s3://b/a", size: 0, ready: false, s3: true },
      ]),
    );
    expect(listed).toEqual([
      {
        name: "a",
        nodeName: "n1",
        location: "file:///d/a",
        size: 16 * 2 ** 20,
        createdAt: "2025-03-01T02:00:00Z",
        ok: true,
      },
      { name: "a", nodeName: "s3", location: "s3://b/a", size: 0, createdAt: "2025-03-01T02:00:00Z", ok: false },
    ]);
  });

  it("parses older array-shaped output and refuses what is not JSON", () => {
    expect(
      parseSnapshotList(
        JSON.stringify([
          { name: "a", location: "file:///d/a", nodeName: "n1", createdAt: "t", size: 5, status: "failed" },
        ]),
      ),
    ).toEqual([{ name: "a", nodeName: "n1", location: "file:///d/a", size: 5, createdAt: "t", ok: false }]);
    expect(() => parseSnapshotList("Name Location Size Created")).toThrow(/printed no JSON/);
  });
});
