import { describe, expect, it } from "@jest/globals";
import { buildSnapshotDeleteArgs } from "../../../../src/nodeops/agent-args.ts";
import { FakeRunner, failed, ok, runAgent } from "./fixtures.ts";

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
    const { code, decoded } = await runAgent(
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
    const { decoded } = await runAgent(buildSnapshotDeleteArgs({ names: ["a-n-1"] }), runner);
    expect(decoded.ok && decoded.result).toEqual({ ok: true, action: "snapshot-delete", deleted: ["a-n-1"] });
  });

  it("reports a failed delete", async () => {
    const runner = new FakeRunner({
      delete: () =>
        failed('level=fatal msg="see server log for details: failed to initialize S3 client: Access Denied"'),
    });
    const { code, decoded } = await runAgent(
      buildSnapshotDeleteArgs({ names: ["a-n-1"], s3: { bucket: "b" } }),
      runner,
    );
    expect(code).toBe(1);
    expect(decoded.ok && !decoded.result.ok && decoded.result.error).toContain("Access Denied");
  });
});
