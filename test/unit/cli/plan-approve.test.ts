import { describe, expect, it } from "@jest/globals";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { approveOutcome, approvePatch, isTier } from "../../../src/cli/plan-approve.ts";

const plan = (approval: { tiers?: string[]; approved?: string[] } | undefined): UpgradePlan => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  metadata: { name: "p", resourceVersion: "42" },
  spec: { version: "v1.31.4+rke2r1", ...(approval ? { approval } : {}) } as UpgradePlan["spec"],
});

describe("plan approve", () => {
  const cases: [string, Parameters<typeof plan>[0], object | undefined, string][] = [
    [
      "a waiting tier",
      { tiers: ["control-plane", "worker"], approved: ["control-plane"] },
      { metadata: { resourceVersion: "42" }, spec: { approval: { approved: ["control-plane", "worker"] } } },
      "upgradeplan/p: the worker tier is approved (spec.approval.approved: control-plane, worker)",
    ],
    [
      "already approved",
      { tiers: ["worker"], approved: ["worker"] },
      undefined,
      "upgradeplan/p: the worker tier is already approved (no change)",
    ],
    [
      "a tier that does not wait",
      { tiers: ["control-plane"] },
      undefined,
      "upgradeplan/p: the worker tier does not wait for approval (spec.approval.tiers: control-plane); nothing written",
    ],
    [
      "no approval at all",
      undefined,
      undefined,
      "upgradeplan/p: the worker tier does not wait for approval (spec.approval.tiers: none); nothing written",
    ],
  ];
  it.each(cases)("%s", (_name, approval, patch, line) => {
    const before = plan(approval);
    const written = approvePatch(before, "worker");
    expect(written).toEqual(patch);
    expect(approveOutcome(before, "worker", written !== undefined)).toBe(line);
  });

  it("knows the tiers", () => {
    expect(["etcd", "control-plane", "worker", "workers", ""].map(isTier)).toEqual([true, true, true, false, false]);
  });
});
