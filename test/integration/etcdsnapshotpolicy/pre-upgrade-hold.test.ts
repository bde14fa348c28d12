/**
 * retention.protectPreUpgradeFor: the pre-upgrade snapshot of a plan that uses the policy stays
 * while the plan runs, and is pruned (through RKE2's delete, in a snapshot-delete Job) once the
 * plan succeeded and the protection passed.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { getPolicy, policy } from "./harness.ts";
import { plan, quickSpec, waitForPlan } from "../upgradeplan/harness.ts";

const sim = withSim();
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startTestOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
});

async function preUpgradeRecords(planName: string): Promise<EtcdSnapshotFile[]> {
  const records = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
  return records.filter((record) => record.spec.snapshotName.startsWith(`pre-upgrade-${planName}-`));
}

describe("pre-upgrade snapshots held by the policy's retention", () => {
  it("keeps the plan's snapshot while it runs and prunes it protectPreUpgradeFor after it succeeded", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("held", { schedule: "0 0 1 1 *", retention: { count: 1, protectPreUpgradeFor: "4s" } }),
    );
    await sim().port.create(
      upgradePlanResource,
      plan(
        "patch",
        quickSpec({
          version: "v1.30.8+rke2r1",
          nodeSelector: { matchLabels: { "kubernetes.io/hostname": "agent-1" } },
          snapshot: { policyRef: "held", required: true },
        }),
      ),
    );
    const done = await waitForPlan(
      sim().port,
      "patch",
      (p) => p.status?.phase === "Succeeded" || p.status?.phase === "Halted",
      "the plan to end",
      60_000,
    );
    expect(done.status?.phase).toBe("Succeeded");
    const completedAt = Date.parse(done.status?.completedAt ?? "");
    const [record] = await preUpgradeRecords("patch");
    expect(record?.status?.readyToUse).toBe(true);
    // Held while protected (status times have second resolution: look until a second before the end).
    while (Date.now() < completedAt + 3000) {
      expect(await preUpgradeRecords("patch")).toHaveLength(1);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const listed = await getPolicy(sim().port, "held");
    expect(listed?.status?.snapshots?.map((s) => s.name)).toContain(record?.spec.snapshotName);

    await waitFor(async () => ((await preUpgradeRecords("patch")).length === 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: "the pre-upgrade snapshot pruned",
    });
    await sim().port.delete(upgradePlanResource, "patch");
  }, 120_000);
});
