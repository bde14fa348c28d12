import { describe, expect, it } from "@jest/globals";
import { decideJob, podFailureBackoff } from "../../../../src/sim/controllers/job-decide.ts";
import type { Job, Pod, PodPhase } from "../../../../src/sim/cluster/kinds.ts";

const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const timing = (now: number) => ({ now, podFailureBackoffMs: 10_000 });

function job(spec: Partial<Job["spec"]> = {}, status?: Job["status"]): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "upgrade-x", namespace: "jobs", uid: "j1" },
    spec: { template: { spec: { containers: [{ name: "c", image: "i" }] } }, backoffLimit: 0, ...spec },
    ...(status ? { status } : {}),
  };
}

function pod(name: string, phase: PodPhase, options: { deleting?: boolean; finishedAt?: number } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "jobs", ...(options.deleting ? { deletionTimestamp: iso(T0) } : {}) },
    spec: { containers: [] },
    status: {
      phase,
      containerStatuses:
        options.finishedAt === undefined
          ? []
          : [
              {
                name: "c",
                image: "i",
                imageID: "",
                ready: false,
                restartCount: 0,
                state: { terminated: { exitCode: phase === "Failed" ? 1 : 0, finishedAt: iso(options.finishedAt) } },
              },
            ],
    },
  };
}

const types = (j: { status: Job["status"] }): string[] =>
  (j.status?.conditions ?? []).map((c) => `${c.type}:${c.reason ?? ""}`);

describe("Job controller decisions", () => {
  it("creates the first pod and records startTime", () => {
    const d = decideJob(job(), [], timing(T0));
    expect(d.createPod).toBe(true);
    expect(d.status).toMatchObject({ active: 1, startTime: iso(T0), succeeded: 0, failed: 0 });
  });

  it("never creates a second pod while one runs", () => {
    const d = decideJob(job({}, { startTime: iso(T0) }), [pod("p1", "Running")], timing(T0 + 1000));
    expect(d.createPod).toBe(false);
    expect(d.status.active).toBe(1);
  });

  it.each<[string, Job, Pod[], string[], boolean]>([
    [
      "success adds SuccessCriteriaMet then Complete",
      job(),
      [pod("p1", "Succeeded")],
      ["SuccessCriteriaMet:CompletionsReached", "Complete:CompletionsReached"],
      false,
    ],
    [
      "backoffLimit 0: first failure fails the Job",
      job(),
      [pod("p1", "Failed")],
      ["FailureTarget:BackoffLimitExceeded", "Failed:BackoffLimitExceeded"],
      false,
    ],
    [
      "backoffLimit 2 with 3 failures",
      job({ backoffLimit: 2 }),
      ["a", "b", "c"].map((n) => pod(n, "Failed")),
      ["FailureTarget:BackoffLimitExceeded", "Failed:BackoffLimitExceeded"],
      false,
    ],
    [
      "backoffLimit 2 with 2 failures retries",
      job({ backoffLimit: 2 }),
      ["a", "b"].map((n) => pod(n, "Failed", { finishedAt: T0 - 60_000 })),
      [],
      true,
    ],
  ])("%s", (_label, j, pods, conditions, createsPod) => {
    const d = decideJob(j, pods, timing(T0));
    expect(types(d)).toEqual(conditions);
    expect(d.createPod).toBe(createsPod);
  });

  it("sets completionTime only on success", () => {
    expect(decideJob(job(), [pod("p1", "Succeeded")], timing(T0)).status.completionTime).toBe(iso(T0));
    expect(decideJob(job(), [pod("p1", "Failed")], timing(T0)).status.completionTime).toBeUndefined();
  });

  it("waits out the failed-pod backoff before replacing a pod", () => {
    const d = decideJob(
      job({ backoffLimit: 3 }),
      [pod("a", "Failed", { finishedAt: T0 }), pod("b", "Failed", { finishedAt: T0 })],
      timing(T0 + 5_000),
    );
    expect(d.createPod).toBe(false);
    expect(d.requeueAfterMs).toBe(15_000);
  });

  it("activeDeadlineSeconds: kills the pod, FailureTarget first, Failed once the pod is gone", () => {
    const started = job({ activeDeadlineSeconds: 60 }, { startTime: iso(T0) });
    const early = decideJob(started, [pod("p1", "Running")], timing(T0 + 30_000));
    expect(early.deletePods).toEqual([]);
    expect(early.requeueAfterMs).toBe(30_000);

    const late = decideJob(started, [pod("p1", "Running")], timing(T0 + 60_000));
    expect(late.deletePods).toEqual(["p1"]);
    expect(types(late)).toEqual(["FailureTarget:DeadlineExceeded"]);

    const terminating = decideJob(
      { ...started, status: late.status },
      [pod("p1", "Running", { deleting: true })],
      timing(T0 + 61_000),
    );
    expect(types(terminating)).toEqual(["FailureTarget:DeadlineExceeded"]);
    expect(terminating.status.terminating).toBe(1);

    const gone = decideJob({ ...started, status: terminating.status }, [], timing(T0 + 62_000));
    expect(types(gone)).toEqual(["FailureTarget:DeadlineExceeded", "Failed:DeadlineExceeded"]);
    expect(gone.createPod).toBe(false);
  });

  it("ttlSecondsAfterFinished deletes the Job after the finish time", () => {
    const done = decideJob(job({ ttlSecondsAfterFinished: 100 }), [pod("p1", "Succeeded")], timing(T0));
    expect(done.requeueAfterMs).toBe(100_000);
    const finishedJob = job({ ttlSecondsAfterFinished: 100 }, done.status);
    expect(decideJob(finishedJob, [pod("p1", "Succeeded")], timing(T0 + 99_000))).toMatchObject({
      deleteJob: false,
      requeueAfterMs: 1_000,
    });
    expect(decideJob(finishedJob, [pod("p1", "Succeeded")], timing(T0 + 100_000)).deleteJob).toBe(true);
  });

  it("a finished Job without TTL is left alone", () => {
    const done = decideJob(job(), [pod("p1", "Succeeded")], timing(T0));
    const again = decideJob(job({}, done.status), [pod("p1", "Succeeded")], timing(T0 + 1e9));
    expect(again).toEqual({ createPod: false, deletePods: [], deleteJob: false, status: done.status });
  });

  it.each([
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [10, 360_000],
  ])("backoff after %i failures is %i ms", (failures, ms) => {
    expect(podFailureBackoff(failures, 10_000)).toBe(ms);
  });
});
