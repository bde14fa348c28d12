/** The real lane's shards: their names, and the skipped tests added up over them. */
import { describe, expect, it } from "@jest/globals";
import { addSkips, describeSkips, shardLabel } from "../../support/control-plane/shards.ts";

describe("real-lane shards", () => {
  it("names a shard by its place, and an unsharded run `all`", () => {
    expect(shardLabel({ shard: { shardIndex: 2, shardCount: 2 } })).toBe("2-of-2");
    expect(shardLabel({ shard: null })).toBe("all");
    expect(shardLabel({})).toBe("all");
  });

  it("adds up the skipped tests of every shard, reason by reason", () => {
    const total = addSkips([
      { skipped: 3, total: 57, reasons: { "shifted clock": 1, "sim internals": 2 } },
      { skipped: 1, total: 56, reasons: { "shifted clock": 1 } },
    ]);
    expect(total).toEqual({ skipped: 4, total: 113, reasons: { "shifted clock": 2, "sim internals": 2 } });
    expect(describeSkips("real lane, all shards", total)).toBe(
      "real lane, all shards: 4 of 113 tests skipped (3.5 %)\n" +
        "  2 sim-only: shifted clock\n  2 sim-only: sim internals\n",
    );
    expect(describeSkips("real lane", addSkips([]))).toBe("real lane: 0 of 0 tests skipped (0.0 %)\n");
  });
});
