/**
 * spec.restoreDrill on the simulated cluster, on both lanes: a drill of a good snapshot succeeds
 * and RestoreVerified turns True; after snapshots are saved corrupt (the sim's corruptSnapshots
 * knob: RKE2 records them as usual, only a restore finds out) the next drill fails visibly: the
 * status, the condition and a Warning event say why. The drill's outcome on a node is SIMULATED
 * from the snapshot file's simulated content (src/sim/cluster/actions.ts); the node-agent's real
 * restore-drill is tested on recorded etcd output in test/unit/nodeops/agent.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import { ACTION_LABEL, JOB_RESOURCE, type Job } from "../../../src/nodeops/job.ts";
import { systemClock } from "../../../src/runtime/clock.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { condition, getPolicy, JOBS_NAMESPACE, policy, startController, type RunningController } from "./harness.ts";

const sim = withSim();
let operator: RunningController | undefined;

beforeAll(async () => {
  operator = await startController(sim().operatorPort, systemClock);
});
afterAll(async () => {
  await operator?.stop();
});

const NAME = "drilled";
const YEARLY = "0 0 1 1 *";

async function patchSpec(spec: object): Promise<void> {
  await sim().port.mergePatch(etcdSnapshotPolicyResource, NAME, { spec });
}

async function snapshotTaken(previous: string | undefined): Promise<string> {
  return waitFor(
    async () => {
      const name = (await getPolicy(sim().port, NAME))?.status?.lastSuccessfulSnapshot?.name;
      return name !== undefined && name !== previous ? name : undefined;
    },
    { timeoutMs: 60_000, what: "a new successful snapshot" },
  );
}

async function drilled(snapshot: string): Promise<EtcdSnapshotPolicy> {
  return waitFor(
    async () => {
      const current = await getPolicy(sim().port, NAME);
      return current?.status?.lastRestoreDrill?.snapshot === snapshot ? current : undefined;
    },
    { timeoutMs: 60_000, what: `a restore drill of ${snapshot}` },
  );
}

describe("restore drill", () => {
  it("succeeds on a good snapshot and fails visibly on a corrupt one", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy(NAME, { schedule: YEARLY, trigger: "s1", restoreDrill: { schedule: YEARLY, keep: 3 } }),
    );
    const good = await snapshotTaken(undefined);

    await patchSpec({ restoreDrill: { schedule: YEARLY, keep: 3, trigger: "d1" } });
    const afterGood = await drilled(good);
    expect(afterGood.status?.lastRestoreDrill).toMatchObject({ outcome: "Succeeded", keys: 1200 });
    expect(afterGood.status?.lastRestoreDrill?.revision).toBeGreaterThan(0);
    expect(afterGood.status?.lastSuccessfulRestoreDrillTime).toBe(afterGood.status?.lastRestoreDrill?.time);
    expect(condition(afterGood, "RestoreVerified")).toMatchObject({ status: "True", reason: "DrillSucceeded" });
    // It ran where the snapshot is, as a restore-drill node Job of this policy.
    const jobs = await sim().port.list<Job>(JOB_RESOURCE, {
      namespace: JOBS_NAMESPACE,
      labelSelector: `${ACTION_LABEL}=restore-drill`,
    });
    expect(jobs.items.map((job) => job.spec.template.spec.nodeName)).toEqual([
      afterGood.status?.lastRestoreDrill?.node,
    ]);

    // Every node now writes corrupt snapshots; RKE2 still records them as ready with a size.
    sim().cluster.setFaults({ corruptSnapshots: true });
    // RKE2 names a snapshot by the unix second it was taken: a save in the same second as the
    // first would carry the same name and could not be told apart from it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await patchSpec({ trigger: "s2" });
    const corrupt = await snapshotTaken(good);
    await patchSpec({ restoreDrill: { schedule: YEARLY, keep: 3, trigger: "d2" } });
    const afterBad = await drilled(corrupt);
    expect(afterBad.status?.lastRestoreDrill).toMatchObject({ outcome: "Failed" });
    expect(afterBad.status?.lastRestoreDrill?.message).toMatch(/^restore failed: Error: expected sha256 \[/);
    expect(afterBad.status?.lastSuccessfulRestoreDrillTime).toBe(afterGood.status?.lastRestoreDrill?.time);
    expect(afterBad.status?.restoreDrills?.map((d) => d.outcome)).toEqual(["Failed", "Succeeded"]);
    expect(condition(afterBad, "RestoreVerified")).toMatchObject({ status: "False", reason: "DrillFailed" });
    const warned = await waitFor(
      async () => {
        const events = await sim().port.list<CoreEvent>(EVENT_RESOURCE, {});
        return events.items.find((e) => e.reason === "RestoreDrillFailed" && e.involvedObject.name === NAME);
      },
      { timeoutMs: 20_000, what: "a RestoreDrillFailed event" },
    );
    expect(warned).toBeDefined();
    sim().cluster.setFaults({ corruptSnapshots: false });
  }, 180_000);
});
