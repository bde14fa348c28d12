import { describe, expect, it } from "@jest/globals";
import { decide } from "../../../../src/controllers/etcdsnapshotpolicy/decide.ts";
import { retryDelayMs } from "../../../../src/controllers/etcdsnapshotpolicy/next-run.ts";
import { failedJob, input, job, localCopy, MINUTE, run, s3Copy, succeededJob, T0, ready } from "./builders.ts";

describe("decide: starting runs", () => {
  it.each([
    [
      "a due slot is recorded first",
      { now: T0 + 5_000 },
      { kind: "slot", identity: "slot/2026-03-01T00:00:00Z", recordFirst: true },
    ],
    ["a slot missed by more than startingDeadline is skipped", { now: T0 + 11 * MINUTE }, undefined],
    ["suspend stops scheduled runs", { now: T0 + 5_000, spec: { suspend: true } }, undefined],
    [
      "a changed trigger runs even when suspended, recorded after its Jobs",
      { now: T0 - 10 * MINUTE, spec: { suspend: true, trigger: "v2" }, status: { lastTrigger: "v1" } },
      { kind: "trigger", identity: "trigger/v2", recordFirst: false },
    ],
    [
      "the handled trigger does not run again",
      { now: T0 - 10 * MINUTE, spec: { trigger: "v1" }, status: { lastTrigger: "v1" } },
      undefined,
    ],
    [
      "a slot on record without Jobs or outcome resumes (crash before the Jobs)",
      { now: T0 + 2 * MINUTE, status: { lastScheduleTime: "2026-03-01T00:00:00Z" } },
      { kind: "slot", identity: "slot/2026-03-01T00:00:00Z", recordFirst: false },
    ],
    [
      "a slot on record with an outcome since is done",
      {
        now: T0 + 2 * MINUTE,
        status: {
          lastScheduleTime: "2026-03-01T00:00:00Z",
          lastSuccessfulSnapshot: {
            name: "nightly-etcd-1-1772323230.zip",
            node: "etcd-1",
            takenAt: "2026-03-01T00:00:30Z",
          },
        },
      },
      undefined,
    ],
    [
      "a failed slot is retried after its backoff, as its own run",
      {
        now: T0 + 2 * MINUTE,
        status: {
          lastScheduleTime: "2026-03-01T00:00:00Z",
          lastFailure: { time: "2026-03-01T00:01:00Z", message: "x" },
          consecutiveFailures: 1,
        },
      },
      { kind: "retry", identity: "retry/2026-03-01T00:01:00Z", recordFirst: false },
    ],
  ])("%s", (_case, overrides, expected) => {
    const decision = decide(input(overrides));
    if (expected === undefined) expect(decision.start).toBeUndefined();
    else expect(decision.start).toMatchObject(expected);
  });

  it("never starts while a run of the policy is in flight", () => {
    const running = run("slot/2026-03-01T00:00:00Z", [job("etcd-1", { state: "Running" }, { created: T0 })]);
    const decision = decide(input({ now: T0 + 30_000, spec: { trigger: "now" }, runs: [running] }));
    expect(decision.start).toBeUndefined();
    expect(decision.requeueAfterMs).toBeLessThanOrEqual(30_000);
  });

  it("writes the slot into the status it records first", () => {
    const decision = decide(input({ now: T0 + 5_000 }));
    expect(decision.status.lastScheduleTime).toBe("2026-03-01T00:00:00Z");
    expect(decision.status.nextScheduleTime).toBe("2026-03-01T01:00:00Z");
  });

  it.each([
    ["OneEtcdNode avoids a node with a save running", { busyNodes: new Set(["etcd-1", "server-1"]) }, ["server-2"]],
    [
      "AllEtcdNodes takes every healthy member",
      {
        spec: { nodes: "AllEtcdNodes" },
        members: [
          { name: "a", healthy: true, cordoned: false },
          { name: "b", healthy: false, reason: "etcd pod etcd-b is not Ready", cordoned: false },
        ],
      },
      ["a"],
    ],
  ])("%s", (_case, overrides, nodes) => {
    const decision = decide(input({ now: T0 + 5_000, ...overrides }));
    expect(decision.start?.nodes).toEqual(nodes);
  });

  it.each([
    ["every member busy", { busyNodes: new Set(["etcd-1", "server-1", "server-2"]) }, /busy with a snapshot save/],
    [
      "no healthy member",
      { members: [{ name: "etcd-1", healthy: false, reason: "the Node is not Ready", cordoned: false }] },
      /no healthy etcd member: etcd-1 \(the Node is not Ready\)/,
    ],
    [
      "S3 credentials missing",
      { s3Access: { ok: false as const, message: "Secret rke2-lifecycle-system/etcd-s3 not found" } },
      /Secret .* not found/,
    ],
  ])("waits, says why, and does not record the slot: %s", (_case, overrides, why) => {
    const decision = decide(input({ now: T0 + 5_000, ...overrides }));
    expect(decision.start).toBeUndefined();
    expect(decision.status.lastScheduleTime).toBeUndefined();
    expect(decision.events).toEqual([
      expect.objectContaining({ type: "Warning", reason: "SnapshotWaiting", message: expect.stringMatching(why) }),
    ]);
    expect(decision.requeueAfterMs).toBe(15_000);
  });
});

describe("decide: counting finished runs", () => {
  const copy = localCopy("nightly", "etcd-1", T0 + 10_000);

  it("counts a verified run once: status, event, metrics, processed label", () => {
    const done = run("slot/2026-03-01T00:00:00Z", [succeededJob("etcd-1", [copy], T0, T0 + 20_000)]);
    const decision = decide(
      input({
        now: T0 + 30_000,
        runs: [done],
        records: [copy],
        status: {
          lastScheduleTime: "2026-03-01T00:00:00Z",
          consecutiveFailures: 2,
          lastFailure: { time: "2026-02-28T23:00:00Z", message: "old" },
        },
      }),
    );
    expect(decision.status.lastSuccessfulSnapshot).toEqual({
      name: copy.name,
      node: "etcd-1",
      location: copy.location,
      size: 1000,
      takenAt: "2026-03-01T00:00:10Z",
    });
    expect(decision.status.consecutiveFailures).toBe(0);
    expect(decision.markProcessed).toEqual([done.jobs[0]?.name]);
    expect(decision.events.map((e) => e.reason)).toContain("SnapshotTaken");
    expect(decision.metrics).toEqual({ succeeded: [{ durationSeconds: 20 }], failed: 0 });
    expect(ready(decision)).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });
  });

  it("recognises a run the status already holds (crash before the label) and does not count it again", () => {
    const done = run("slot/2026-03-01T00:00:00Z", [succeededJob("etcd-1", [copy], T0, T0 + 20_000)]);
    const decision = decide(
      input({
        now: T0 + 30_000,
        runs: [done],
        records: [copy],
        status: {
          lastScheduleTime: "2026-03-01T00:00:00Z",
          lastSuccessfulSnapshot: { name: copy.name, node: "etcd-1", takenAt: "2026-03-01T00:00:10Z" },
          consecutiveFailures: 0,
        },
      }),
    );
    expect(decision.markProcessed).toHaveLength(1);
    expect(decision.events.map((e) => e.reason)).not.toContain("SnapshotTaken");
    expect(decision.metrics.succeeded).toHaveLength(0);
  });

  it("waits for RKE2's record before counting, and fails when it never comes", () => {
    const done = run("slot/2026-03-01T00:00:00Z", [succeededJob("etcd-1", [copy], T0, T0 + 20_000)]);
    const waiting = decide(input({ now: T0 + 30_000, runs: [done], records: [] }));
    expect(waiting.markProcessed).toHaveLength(0);
    expect(waiting.requeueAfterMs).toBe(2_000);
    const late = decide(input({ now: T0 + 20_000 + 2 * MINUTE, runs: [done], records: [] }));
    expect(late.status.lastFailure?.message).toMatch(/not verified within 120s: RKE2 has not recorded/);
  });

  it("with S3, counts only once the operator found the object in the bucket", () => {
    const remote = s3Copy("nightly", "etcd-1", T0 + 10_000);
    const done = run("slot/2026-03-01T00:00:00Z", [succeededJob("etcd-1", [copy, remote], T0, T0 + 20_000)]);
    const spec = { s3: { bucket: "backups", folder: "prod" } };
    const unconfirmed = decide(input({ now: T0 + 30_000, spec, runs: [done], records: [copy, remote] }));
    expect(unconfirmed.markProcessed).toHaveLength(0);
    const confirmed = decide(
      input({
        now: T0 + 30_000,
        spec,
        runs: [done],
        records: [copy, remote],
        objectChecks: new Map([[remote.location, { exists: true as const, size: 1000 }]]),
      }),
    );
    expect(confirmed.status.lastSuccessfulSnapshot?.location).toBe(remote.location);
  });

  it("counts a failure: message, consecutive failures, Ready=False, metric, then retries with backoff", () => {
    const failedRun = run("slot/2026-03-01T00:00:00Z", [
      failedJob("etcd-1", "failed to test for existence of bucket backups", T0, T0 + 20_000),
    ]);
    const decision = decide(
      input({
        now: T0 + 30_000,
        runs: [failedRun],
        status: {
          lastScheduleTime: "2026-03-01T00:00:00Z",
          consecutiveFailures: 1,
          lastFailure: { time: "2026-02-28T23:00:00Z", message: "x" },
        },
      }),
    );
    expect(decision.status.lastFailure).toEqual({
      time: "2026-03-01T00:00:20Z",
      message: "etcd-1: failed to test for existence of bucket backups",
    });
    expect(decision.status.consecutiveFailures).toBe(2);
    expect(decision.metrics.failed).toBe(1);
    expect(ready(decision)).toMatchObject({ status: "False", reason: "SnapshotFailed" });
    expect(decision.start).toBeUndefined();
    // The retry comes after the backoff for 2 failures (1 minute), as its own deterministic run.
    expect(decision.requeueAfterMs).toBe(20_000 + retryDelayMs(2) - 30_000);
    const later = decide(
      input({ now: T0 + 20_000 + retryDelayMs(2), runs: [{ ...failedRun, processed: true }], status: decision.status }),
    );
    expect(later.start).toMatchObject({ kind: "retry", identity: "retry/2026-03-01T00:00:20Z" });
  });

  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [20, 30 * MINUTE],
  ])("backoff after %i failures is %i ms", (failures, ms) => {
    expect(retryDelayMs(failures)).toBe(ms);
  });
});
