import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import {
  addReleaseFinalizer,
  hasReleaseFinalizer,
  RELEASE_FINALIZER,
  removeReleaseFinalizer,
} from "../../../src/rollout/finalizer.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

async function planWith(finalizers?: string[]): Promise<{ port: MemoryKubePort; plan: UpgradePlan }> {
  const port = new MemoryKubePort({ clock: new FakeClock() });
  const plan = await port.create<UpgradePlan>(upgradePlanResource, {
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    metadata: { name: "p", ...(finalizers ? { finalizers } : {}) },
    spec: { version: "v1.31.4+rke2r1" },
  });
  return { port, plan };
}

describe("the release-nodes finalizer", () => {
  it("is added next to others, once", async () => {
    const { port, plan } = await planWith(["example.io/other"]);
    expect(await addReleaseFinalizer(port, upgradePlanResource, plan)).toBe(true);
    const added = await port.get<UpgradePlan>(upgradePlanResource, "p");
    expect(added?.metadata.finalizers).toEqual(["example.io/other", RELEASE_FINALIZER]);
    if (!added) throw new Error("gone");
    expect(hasReleaseFinalizer(added)).toBe(true);
    expect(await addReleaseFinalizer(port, upgradePlanResource, added)).toBe(true);
    expect((await port.get<UpgradePlan>(upgradePlanResource, "p"))?.metadata.resourceVersion).toBe(
      added.metadata.resourceVersion,
    );
  });

  it("is not added from a stale copy: the write would drop a finalizer added meanwhile; come back later", async () => {
    const { port, plan } = await planWith();
    await port.mergePatch(upgradePlanResource, "p", { metadata: { finalizers: ["example.io/new"] } });
    expect(await addReleaseFinalizer(port, upgradePlanResource, plan)).toBe(false);
    expect((await port.get<UpgradePlan>(upgradePlanResource, "p"))?.metadata.finalizers).toEqual(["example.io/new"]);
  });

  it("is removed, keeping the others, from a copy whatever its resourceVersion", async () => {
    const { port, plan } = await planWith(["example.io/other", RELEASE_FINALIZER]);
    await port.patchStatus(upgradePlanResource, "p", { phase: "Upgrading" });
    await removeReleaseFinalizer(port, upgradePlanResource, plan);
    expect((await port.get<UpgradePlan>(upgradePlanResource, "p"))?.metadata.finalizers).toEqual(["example.io/other"]);
  });
});
