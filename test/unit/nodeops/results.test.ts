import { describe, expect, it } from "@jest/globals";
import { decodeResult, encodeResult, type NodeActionResult } from "../../../src/nodeops/results.ts";

describe("node action results", () => {
  const save: NodeActionResult = {
    ok: true,
    action: "snapshot-save",
    snapshots: [
      {
        name: "daily-s1-1767225600",
        node: "s1",
        location: "file:///var/lib/rancher/rke2/server/db/snapshots/daily-s1-1767225600.zip",
        size: 4096,
        createdAt: "2026-01-01T00:00:00Z",
      },
    ],
  };

  it("round-trips a result through the termination message", () => {
    expect(decodeResult(encodeResult(save))).toEqual({ ok: true, result: save });
  });

  it.each([
    [undefined, "no termination message"],
    ["", "no termination message"],
    ["panic: boom", "not JSON"],
    ['{"ok":true,"action":"snapshot-save","snapshots":[]}', "does not match"],
    ['{"ok":false,"action":"reboot","error":"x"}', "does not match"],
  ])("reports %j clearly", (message, expected) => {
    const decoded = decodeResult(message);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.message).toContain(expected);
  });

  it("refuses to write a message the kubelet would truncate", () => {
    const deleted = Array.from({ length: 400 }, (_, i) => `policy-node-${1767225600 + i}`);
    expect(() => encodeResult({ ok: true, action: "snapshot-delete", deleted })).toThrow(/termination message limit/);
  });
});
