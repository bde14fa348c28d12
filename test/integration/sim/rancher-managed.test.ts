/**
 * A cluster Rancher provisioned (sim topology `rancherProvisioned`: every node carries the
 * `rke.cattle.io/machine` label Rancher's planner sets): every kind refuses its disruptive work
 * with reason ManagedByRancher, and the override annotation lets one object act anyway.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { certRotationResource, type CertRotation } from "../../../src/api/certrotation.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { JOB_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { ALLOW_RANCHER_MANAGED_ANNOTATION } from "../../../src/rke2/rancher.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { demoTopology } from "../../../src/sim/cluster/topology.ts";
import { JOBS_NAMESPACE } from "../../support/operator-config.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";

const sim = withSim({ topology: { ...demoTopology(), rancherProvisioned: true } });
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startTestOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
});

type Conditioned = KubeObject & {
  status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
};

async function conditionOf(
  type: ResourceType,
  name: string,
  condition: string,
  reason: string,
): Promise<{ status: string; message: string }> {
  return waitFor(
    async () => {
      const object = await sim().port.get<Conditioned>(type, name);
      return object?.status?.conditions?.find((c) => c.type === condition && c.reason === reason);
    },
    { timeoutMs: 15_000, what: `${name}: ${condition} ${reason}` },
  );
}

async function jobs(action: string): Promise<Job[]> {
  return (
    await sim().port.list<Job>(JOB_RESOURCE, {
      namespace: JOBS_NAMESPACE,
      labelSelector: `rke2-lifecycle.io/action=${action}`,
    })
  ).items;
}

describe("a Rancher-provisioned cluster", () => {
  it("is left alone by every kind, with reason ManagedByRancher", async () => {
    const meta = (name: string) => ({ name });
    await sim().port.create<UpgradePlan>(upgradePlanResource, {
      apiVersion: upgradePlanResource.apiVersion,
      kind: upgradePlanResource.kind,
      metadata: meta("rancher-up"),
      spec: { version: "v1.30.8+rke2r1", snapshot: { required: false } },
    });
    await sim().port.create<CertRotation>(certRotationResource, {
      apiVersion: certRotationResource.apiVersion,
      kind: certRotationResource.kind,
      metadata: meta("rancher-cr"),
      spec: { trigger: "now" },
    });
    await sim().port.create<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, {
      apiVersion: etcdSnapshotPolicyResource.apiVersion,
      kind: etcdSnapshotPolicyResource.kind,
      metadata: meta("rancher-esp"),
      spec: { schedule: "0 0 1 1 *", trigger: "now" },
    });

    const preflight = await conditionOf(upgradePlanResource, "rancher-up", "PreflightPassed", "ManagedByRancher");
    expect(preflight).toMatchObject({ status: "False", message: expect.stringContaining("rancher-system-agent owns") });
    expect(preflight.message).toContain(`${ALLOW_RANCHER_MANAGED_ANNOTATION}="true"`);
    expect(await conditionOf(certRotationResource, "rancher-cr", "Ready", "ManagedByRancher")).toMatchObject({
      status: "False",
    });
    expect(await conditionOf(etcdSnapshotPolicyResource, "rancher-esp", "Ready", "ManagedByRancher")).toMatchObject({
      status: "False",
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await jobs("upgrade")).toEqual([]);
    expect(await jobs("cert-rotate")).toEqual([]);
    expect(await jobs("snapshot-save")).toEqual([]);
  }, 30_000);

  it("acts for an object that carries the override", async () => {
    await sim().port.mergePatch(etcdSnapshotPolicyResource, "rancher-esp", {
      metadata: { annotations: { [ALLOW_RANCHER_MANAGED_ANNOTATION]: "true" } },
    });
    await waitFor(async () => (await jobs("snapshot-save")).length > 0, {
      timeoutMs: 15_000,
      what: "the overridden policy's snapshot Job",
    });
    const ready = await waitFor(
      async () => {
        const policy = await sim().port.get<Conditioned>(etcdSnapshotPolicyResource, "rancher-esp");
        const condition = policy?.status?.conditions?.find((c) => c.type === "Ready");
        return condition?.reason !== "ManagedByRancher" ? condition : undefined;
      },
      { timeoutMs: 15_000, what: "Ready without ManagedByRancher" },
    );
    expect(ready.reason).not.toBe("ManagedByRancher");
    // The others still refuse.
    expect(await jobs("upgrade")).toEqual([]);
  }, 30_000);
});
