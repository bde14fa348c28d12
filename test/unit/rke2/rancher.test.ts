import { describe, expect, it } from "@jest/globals";
import { preflightChecks, preflightReason } from "../../../src/controllers/upgradeplan/preflight.ts";
import {
  ALLOW_RANCHER_MANAGED_ANNOTATION,
  RANCHER_MACHINE_LABEL,
  rancherProvisionedNodes,
  rancherRefusal,
} from "../../../src/rke2/rancher.ts";
import { input } from "../rollout/fixtures.ts";

const node = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels } });
const rancherNode = (name: string) => node(name, { [RANCHER_MACHINE_LABEL]: "6b9a1c52-4f1e-4d1c-9a5e-0c1f2b3a4d5e" });

describe("Rancher-provisioned clusters", () => {
  it("are told by the label Rancher's planner puts on every node", () => {
    expect(rancherProvisionedNodes([node("a"), rancherNode("c"), rancherNode("b")])).toEqual(["b", "c"]);
    expect(rancherRefusal({ metadata: {} }, [node("a"), node("b", { "rke.cattle.io/other": "x" })])).toBeUndefined();
  });

  it("refuse, naming a few marked nodes and the override", () => {
    const refusal = rancherRefusal({ metadata: {} }, ["n1", "n2", "n3", "n4", "n5"].map(rancherNode));
    expect(refusal).toContain("provisioned by Rancher (n1, n2, n3 and 2 more carry rke.cattle.io/machine)");
    expect(refusal).toContain(`annotate this object ${ALLOW_RANCHER_MANAGED_ANNOTATION}="true"`);
  });

  it("let an object with the override act", () => {
    expect(
      rancherRefusal({ metadata: { annotations: { [ALLOW_RANCHER_MANAGED_ANNOTATION]: "true" } } }, [rancherNode("a")]),
    ).toBeUndefined();
    expect(
      rancherRefusal({ metadata: { annotations: { [ALLOW_RANCHER_MANAGED_ANNOTATION]: "yes" } } }, [rancherNode("a")]),
    ).toBeDefined();
  });

  it("fail an UpgradePlan's preflight first, with reason ManagedByRancher", () => {
    const checks = preflightChecks({
      target: "v1.30.8+rke2r1",
      skew: { allowMinorSkip: false, allowDowngrade: false },
      input: input([]),
      rancherRefusal: "provisioned by Rancher",
    });
    expect(checks).toEqual([{ name: "RancherManaged", passed: false, message: "provisioned by Rancher" }]);
    expect(preflightReason(checks, undefined)).toBe("ManagedByRancher");
  });
});
