import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { isPolicySnapshot } from "../../../src/controllers/etcdsnapshotpolicy/retention.ts";
import { PROCESSED_LABEL, RUN_ANNOTATION } from "../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import { ACTION_LABEL, JOB_RESOURCE, OWNER_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { isKubeError } from "../../../src/runtime/kube/errors.ts";
import { onRealServer } from "../../support/lane-env.ts";
import { toolPath } from "../../support/tools.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";

import {
  condition,
  FastClock,
  getPolicy,
  JOBS_NAMESPACE,
  policy,
  startController,
  type RunningController,
} from "./harness.ts";

const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock });
let operator: RunningController | undefined;

beforeAll(async () => {
  operator = await startController(sim().operatorPort, clock);
});
afterAll(async () => {
  await operator?.stop();
});

async function policyRecords(name: string): Promise<EtcdSnapshotFile[]> {
  const all = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
  return all.filter((record) => isPolicySnapshot(name, { name: record.spec.snapshotName, node: record.spec.nodeName }));
}

async function saveJobs(name: string): Promise<Job[]> {
  const jobs = await sim().port.list<Job>(JOB_RESOURCE, {
    namespace: JOBS_NAMESPACE,
    labelSelector: `${OWNER_LABEL}=${name},${ACTION_LABEL}=snapshot-save`,
  });
  return jobs.items;
}

const runOf = (job: Job): string => job.metadata.annotations?.[RUN_ANNOTATION] ?? "";

describe("EtcdSnapshotPolicy on the simulated cluster", () => {
  it("snapshots every etcd node each minute and keeps exactly `count` runs across the 3 nodes", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("every-minute", { schedule: "* * * * *", nodes: "AllEtcdNodes", retention: { count: 2 } }),
    );
    const settled = await waitFor(
      async () => {
        const jobs = await saveJobs("every-minute");
        const slots = new Set(jobs.map(runOf));
        const records = await policyRecords("every-minute");
        const current = await getPolicy(sim().port, "every-minute");
        const done = slots.size >= 4 && jobs.every((job) => job.metadata.labels?.[PROCESSED_LABEL] === "true");
        if (!done || records.length !== 6 || current?.status?.snapshotCount !== 2) return undefined;
        // The status lists every kept copy, not only the records the server holds.
        return current.status.snapshots?.length === 6 ? { jobs, records, current } : undefined;
      },
      { timeoutMs: 40_000, intervalMs: 200, what: "4 scheduled runs with 2 retained" },
    );
    // Every run is a schedule slot, each on all three etcd members.
    expect([...new Set(settled.jobs.map(runOf))].every((run) => run.startsWith("slot/"))).toBe(true);
    expect(new Set(settled.records.map((r) => r.spec.nodeName))).toEqual(new Set(["etcd-1", "server-1", "server-2"]));
    const status = settled.current.status;
    expect(status?.snapshots).toHaveLength(6);
    expect(status?.consecutiveFailures).toBe(0);
    expect(status?.lastSuccessfulSnapshot?.name).toMatch(/^every-minute-(etcd-1|server-1|server-2)-\d+\.zip$/);
    // The retained ones are the two newest runs.
    const kept = [...new Set(settled.records.map((r) => Number(/-(\d+)\.zip$/.exec(r.spec.snapshotName)?.[1])))].sort();
    const newestRunSecond = Math.max(...kept);
    expect(Date.parse(status?.lastSuccessfulSnapshot?.takenAt ?? "") / 1000).toBeGreaterThanOrEqual(
      newestRunSecond - 60,
    );
    expect(condition(settled.current, "Ready")).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });
    expect(condition(settled.current, "SnapshotOverdue")).toMatchObject({ status: "False" });
    expect(condition(settled.current, "StorageAvailable")).toMatchObject({ status: "True" });
    expect(Date.parse(status?.nextScheduleTime ?? "")).toBeGreaterThan(Date.parse(status?.lastScheduleTime ?? ""));
    const metrics = await operator?.metrics.registry.getSingleMetricAsString(
      "rke2_lifecycle_snapshot_last_success_timestamp_seconds",
    );
    expect(metrics).toMatch(/policy="every-minute"\} \d+/);

    const home = await mkdtemp(join(tmpdir(), "esp-kubectl-"));
    const { stdout } = await promisify(execFile)(toolPath("kubectl"), ["get", "esp", "every-minute"], {
      env: { ...process.env, KUBECONFIG: sim().kubeconfigPath, HOME: home },
    });
    const [header, row] = stdout.trim().split("\n");
    expect(header?.split(/\s{2,}/)).toEqual([
      "NAME",
      "SCHEDULE",
      "LAST-SUCCESS",
      "NEXT",
      "SNAPSHOTS",
      "STORAGE",
      "READY",
      "AGE",
      "MESSAGE",
    ]);
    const cells = row?.split(/\s{2,}/) ?? [];
    expect(cells[0]).toBe("every-minute");
    // LAST-SUCCESS is an age the server computes on its own clock. The sim's runs 30 times fast, as
    // the operator's does; a real server's is real time, behind the operator's: to it the snapshot
    // was taken in the future, which kubectl shows as <invalid>.
    expect(cells[2]).toMatch(onRealServer() ? /^<invalid>$/ : /^\d+s$|^\d+m/);
    expect(cells[3]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(cells[4]).toBe("2");
    expect(cells[5]).toBe("Available");
    expect(cells[6]).toBe("True");
    expect(cells[8]).toMatch(/^last snapshot every-minute-\S+ at \d{4}-/);
    await sim().port.delete(etcdSnapshotPolicyResource, "every-minute");
  }, 60_000);

  it("takes exactly one snapshot per trigger value", async () => {
    await sim().port.create(etcdSnapshotPolicyResource, policy("on-demand", { schedule: "0 0 1 1 *", suspend: true }));
    await waitFor(async () => (await getPolicy(sim().port, "on-demand"))?.status?.observedGeneration === 1, {
      what: "first reconcile",
    });
    expect(await saveJobs("on-demand")).toHaveLength(0);

    await sim().port.mergePatch(etcdSnapshotPolicyResource, "on-demand", { spec: { trigger: "first" } });
    const first = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, "on-demand");
        return current?.status?.lastTrigger === "first" && current.status.lastSuccessfulSnapshot ? current : undefined;
      },
      { timeoutMs: 20_000, what: "the triggered snapshot" },
    );
    expect(first.status?.snapshotCount).toBe(1);
    // Quiet for a while (3 minutes of cluster time): nothing more is taken.
    await new Promise((resolve) => setTimeout(resolve, clock.real(3 * 60_000)));
    expect((await saveJobs("on-demand")).map(runOf)).toEqual(["trigger/first"]);
    expect(await policyRecords("on-demand")).toHaveLength(1);

    await sim().port.mergePatch(etcdSnapshotPolicyResource, "on-demand", { spec: { trigger: "second" } });
    await waitFor(async () => (await policyRecords("on-demand")).length === 2, {
      timeoutMs: 20_000,
      what: "the second triggered snapshot",
    });
    expect((await saveJobs("on-demand")).map(runOf).sort()).toEqual(["trigger/first", "trigger/second"]);
    await sim().port.delete(etcdSnapshotPolicyResource, "on-demand");
  }, 60_000);

  it("an operator restarted mid-snapshot does not take a second snapshot for the same slot", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("restart", { schedule: "* * * * *", retention: { count: 10 } }),
    );
    const running = await waitFor(
      async () => {
        const jobs = await saveJobs("restart");
        return jobs.find((job) => !job.status?.conditions?.some((c) => c.status === "True"));
      },
      { timeoutMs: 20_000, intervalMs: 5, what: "a running save Job" },
    );
    const slot = runOf(running);
    await operator?.stop();
    operator = await startController(sim().operatorPort, clock);
    const current = await waitFor(
      async () => {
        const found = await getPolicy(sim().port, "restart");
        const jobs = await saveJobs("restart");
        const done = jobs.find((job) => runOf(job) === slot)?.metadata.labels?.[PROCESSED_LABEL] === "true";
        return done ? found : undefined;
      },
      { timeoutMs: 20_000, what: "the slot's run counted by the new instance" },
    );
    const jobsForSlot = (await saveJobs("restart")).filter((job) => runOf(job) === slot);
    expect(jobsForSlot).toHaveLength(1);
    expect(Date.parse(current.status?.lastScheduleTime ?? "")).toBeGreaterThanOrEqual(
      Date.parse(slot.slice("slot/".length)),
    );
    // Suspended, every Job counted: each made exactly one snapshot (the policy's one node), so the
    // restart took no second one for its slot. (Counted by Job, not by time: on a real server a Job
    // takes real seconds to run, minutes of this test's compressed clock.)
    await sim().port.mergePatch(etcdSnapshotPolicyResource, "restart", { spec: { suspend: true } });
    const settled = await waitFor(
      async () => {
        const jobs = await saveJobs("restart");
        return jobs.every((job) => job.metadata.labels?.[PROCESSED_LABEL] === "true") ? jobs : undefined;
      },
      { timeoutMs: 20_000, what: "every Job counted after suspending" },
    );
    expect(await policyRecords("restart")).toHaveLength(settled.length);
    await sim().port.delete(etcdSnapshotPolicyResource, "restart");
  }, 60_000);

  it("refuses bad specs: the CRD rejects what it can, the operator reports the rest without a Job", async () => {
    const rejected = await sim()
      .port.create(etcdSnapshotPolicyResource, policy("negative", { schedule: "* * * * *", retention: { count: -1 } }))
      .catch((err: unknown) => err);
    expect(isKubeError(rejected, "Invalid")).toBe(true);

    // What the schema cannot express (cron syntax, time zones) the operator reports.
    await sim().port.create(etcdSnapshotPolicyResource, policy("bad-cron", { schedule: "every day" }));
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("bad-zone", { schedule: "* * * * *", timeZone: "Mars/Olympus_Mons" }),
    );
    for (const [name, problem] of [
      ["bad-cron", "invalid cron schedule"],
      ["bad-zone", "time zone"],
    ] as const) {
      const invalid = await waitFor(
        async () => {
          const current = await getPolicy(sim().port, name);
          return condition(current, "Ready")?.reason === "InvalidSpec" ? current : undefined;
        },
        { what: `${name}: Ready=False InvalidSpec` },
      );
      expect(condition(invalid, "Ready")).toMatchObject({ status: "False", message: expect.stringContaining(problem) });
    }
    await new Promise((resolve) => setTimeout(resolve, clock.real(3 * 60_000)));
    expect(await saveJobs("bad-cron")).toHaveLength(0);
    expect(await saveJobs("bad-zone")).toHaveLength(0);
    await sim().port.delete(etcdSnapshotPolicyResource, "bad-cron");
    await sim().port.delete(etcdSnapshotPolicyResource, "bad-zone");
  }, 60_000);
});
