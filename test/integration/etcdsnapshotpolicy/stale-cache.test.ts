/**
 * The policy cache lags behind the Jobs cache (the policies' watch events reach the operator late):
 * a reconcile woken by a Job computes the status from an older policy. Such a status must never
 * land over a newer one: snapshot outcomes are counted once and the ledger never goes back.
 * Both lanes: the delay is the sim's fault knob, on the real lane the fault proxy's in front of
 * kube-apiserver; every stored status is read by the test's own informer (its watch is delayed
 * too on the sim lane, where the knob is the server's).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import { PROCESSED_LABEL, RUN_ANNOTATION } from "../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import { ACTION_LABEL, JOB_RESOURCE, OWNER_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { systemClock } from "../../../src/runtime/clock.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { FastClock, getPolicy, JOBS_NAMESPACE, policy, startController, type RunningController } from "./harness.ts";

const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock, apiFaults: true });
let operator: RunningController | undefined;
let history: Informer<EtcdSnapshotPolicy> | undefined;
type PolicyStatus = NonNullable<EtcdSnapshotPolicy["status"]>;
const statuses: PolicyStatus[] = [];

beforeAll(async () => {
  const faults = sim().apiFaults?.faults;
  if (!faults) throw new Error("no fault knobs");
  // 40 s of cluster time (1.3 s real): longer than a snapshot Job takes, shorter than a slot.
  faults.delayedWatchResource = etcdSnapshotPolicyResource.plural;
  faults.watchDelayMs = 40_000;
  // Every status the server stores, in order: an informer resumes its watch where it ended.
  history = new Informer<EtcdSnapshotPolicy>({
    port: sim().port,
    clock: systemClock,
    logger: silentLogger(),
    type: etcdSnapshotPolicyResource,
  });
  const record = (policy: EtcdSnapshotPolicy): void => {
    if (policy.metadata.name === "lagging") statuses.push(structuredClone(policy.status ?? {}));
  };
  history.addHandler({
    onAdd: record,
    onUpdate: (_, policy) => {
      record(policy);
    },
  });
  history.start();
  await history.synced;
  operator = await startController(sim().operatorPort, clock);
});
afterAll(async () => {
  await history?.stop();
  await operator?.stop();
});

const time = (value: string | undefined): number => (value ? Date.parse(value) : 0);

describe("EtcdSnapshotPolicy whose cache lags behind its Jobs", () => {
  it("never writes an older status over a newer one", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("lagging", { schedule: "* * * * *", nodes: "AllEtcdNodes", retention: { count: 10 } }),
    );
    const jobsOf = async (): Promise<Job[]> =>
      (
        await sim().port.list<Job>(JOB_RESOURCE, {
          namespace: JOBS_NAMESPACE,
          labelSelector: `${OWNER_LABEL}=lagging,${ACTION_LABEL}=snapshot-save`,
        })
      ).items;
    await waitFor(
      async () => {
        const jobs = await jobsOf();
        const current = await getPolicy(sim().port, "lagging");
        return (
          new Set(jobs.map((job) => job.metadata.name.replace(/-[^-]+$/, ""))).size >= 3 &&
          jobs.every((job) => job.metadata.labels?.[PROCESSED_LABEL] === "true") &&
          (current?.status?.snapshotCount ?? 0) >= 9
        );
      },
      { timeoutMs: 40_000, intervalMs: 200, what: "3 runs on 3 nodes, every Job counted" },
    );
    // The test's informer sees every stored status (late on the sim lane, where the delay is global).
    await waitFor(() => statuses.some((status) => (status.snapshotCount ?? 0) >= 9), {
      what: "the informer to see the counted runs",
    });
    for (const [i, status] of statuses.entries()) {
      const before = statuses[i - 1];
      if (!before) continue;
      const ledger = (s: PolicyStatus) => ({
        lastSuccess: s.lastSuccessfulSnapshot?.takenAt,
        lastSchedule: s.lastScheduleTime,
        count: s.snapshotCount,
      });
      const ledgers = JSON.stringify({ before: ledger(before), after: ledger(status) });
      const why = `status write ${i} of ${statuses.length}: ${ledgers}`;
      expect([
        why,
        time(status.lastSuccessfulSnapshot?.takenAt) >= time(before.lastSuccessfulSnapshot?.takenAt),
      ]).toEqual([why, true]);
      expect([why, time(status.lastScheduleTime) >= time(before.lastScheduleTime)]).toEqual([why, true]);
      expect([why, (status.snapshotCount ?? 0) >= (before.snapshotCount ?? 0)]).toEqual([why, true]);
    }
    expect(statuses.every((status) => (status.consecutiveFailures ?? 0) === 0)).toBe(true);
    // Counted once: suspended, with every Job counted, each run is one observation of its duration.
    await sim().port.mergePatch(etcdSnapshotPolicyResource, "lagging", { spec: { suspend: true } });
    const runs = await waitFor(
      async () => {
        const jobs = await jobsOf();
        const settled = jobs.every((job) => job.metadata.labels?.[PROCESSED_LABEL] === "true");
        return settled ? new Set(jobs.map((job) => job.metadata.annotations?.[RUN_ANNOTATION] ?? "")).size : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: "every Job counted after suspending" },
    );
    const durations = await operator?.metrics.registry.getSingleMetricAsString(
      "rke2_lifecycle_snapshot_duration_seconds",
    );
    expect(durations).toContain(`rke2_lifecycle_snapshot_duration_seconds_count{policy="lagging"} ${String(runs)}`);
    // No failure, yet the series exists at 0, so an alert's increase() sees the first one.
    const failures = await operator?.metrics.registry.getSingleMetricAsString("rke2_lifecycle_snapshot_failures_total");
    expect(failures).toContain('rke2_lifecycle_snapshot_failures_total{policy="lagging"} 0');
    await sim().port.delete(etcdSnapshotPolicyResource, "lagging");
  }, 60_000);
});
