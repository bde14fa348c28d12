/** decide and retention.protectPreUpgradeFor: pre-upgrade snapshots of plans that use the policy. */
import { describe, expect, it } from "@jest/globals";
import { decide } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import { input, localCopy, MINUTE, T0 } from "./builders.ts";

const HOUR = 60 * MINUTE;

describe("decide: pre-upgrade snapshots held for their plan", () => {
  const preUpgrade = localCopy("pre-upgrade-to-131", "etcd-1", T0 - 5 * HOUR);
  const own = localCopy("nightly", "etcd-1", T0 - HOUR);
  const at = (now: number, spec: Record<string, unknown>, succeededAt?: number) =>
    decide(
      input({
        now,
        spec: { schedule: "0 0 1 1 *", retention: { count: 1, ...spec } },
        records: [preUpgrade, own],
        preUpgradePlans: [{ planName: "to-131", ...(succeededAt === undefined ? {} : { succeededAt }) }],
      }),
    );
  const pruned = (d: ReturnType<typeof decide>) => d.prune.flatMap((plan) => plan.names);

  it("without protectPreUpgradeFor, never judges them", () => {
    const decision = at(T0, {}, T0 - 4 * HOUR);
    expect(pruned(decision)).toEqual([]);
    expect(decision.status.snapshots?.map((s) => s.name)).toEqual([own.name]);
  });

  it("keeps one while its plan has not succeeded, and lists it among the retained", () => {
    const decision = at(T0, { protectPreUpgradeFor: "1h" });
    expect(pruned(decision)).toEqual([]);
    expect(decision.status.snapshots?.map((s) => s.name)).toEqual([own.name, preUpgrade.name]);
  });

  it("keeps one until protectPreUpgradeFor has passed since the plan succeeded, waking up then", () => {
    const held = at(T0, { protectPreUpgradeFor: "2h" }, T0 - HOUR);
    expect(pruned(held)).toEqual([]);
    expect(held.requeueAfterMs).toBeLessThanOrEqual(HOUR);
    const released = at(T0 + HOUR, { protectPreUpgradeFor: "2h" }, T0 - HOUR);
    expect(pruned(released)).toEqual([preUpgrade.name]);
  });
});
