/** The restore drill decision (drill.ts), table-tested: what it drills, when, and what it records. */
import { describe, expect, it } from "@jest/globals";
import { parseEtcdSnapshotPolicySpec, type EtcdSnapshotPolicySpec } from "../../../../src/api/etcdsnapshotpolicy.ts";
import {
  decideDrill,
  newestVerifiedSnapshot,
  type DrillInput,
} from "../../../../src/controllers/etcdsnapshotpolicy/drill.ts";
import { drillJob } from "../../../../src/controllers/etcdsnapshotpolicy/drill-job.ts";
import type { RecordedSnapshot } from "../../../../src/controllers/etcdsnapshotpolicy/records.ts";
import type { ObservedRun } from "../../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import { encodeResult, type RestoreDrillResult } from "../../../../src/nodeops/results.ts";

const NOW = Date.parse("2026-03-01T03:00:20Z");
const DIR = "/var/lib/rancher/rke2/server/db/snapshots";

function spec(extra: object = {}): EtcdSnapshotPolicySpec {
  const parsed = parseEtcdSnapshotPolicySpec({
    schedule: "0 */6 * * *",
    restoreDrill: { schedule: "0 3 * * *", keep: 2 },
    ...extra,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
}

function record(node: string, takenAt: number, extra: Partial<RecordedSnapshot> = {}): RecordedSnapshot {
  const name = `nightly-${node}-${takenAt / 1000}.zip`;
  return { name, node, location: `file://${DIR}/${name}`, takenAt, size: 100, storage: "local", ready: true, ...extra };
}

const MEMBERS = ["etcd-1", "server-1", "server-2"].map((name) => ({ name, healthy: true, cordoned: false }));
const T1 = Date.parse("2026-03-01T00:00:00Z");
const T2 = Date.parse("2026-03-01T02:00:00Z");

function input(extra: Partial<DrillInput> = {}): DrillInput {
  return {
    policyName: "nightly",
    generation: 3,
    spec: spec(),
    creationTime: Date.parse("2026-02-01T00:00:00Z"),
    status: { lastRestoreDrillScheduleTime: "2026-02-28T03:00:00Z" },
    now: NOW,
    runs: [],
    anyDrillRunning: false,
    records: [record("server-1", T1), record("server-2", T2)],
    members: MEMBERS,
    busyNodes: new Set(),
    ...extra,
  };
}

function finished(result: RestoreDrillResult, node = "server-2"): ObservedRun {
  const message = encodeResult(result);
  const outcome = result.ok
    ? { state: "Succeeded" as const, message }
    : { state: "Failed" as const, reason: "BackoffLimitExceeded", message };
  const job = {
    name: `drill-${node}`,
    node,
    processed: false,
    createdAt: NOW - 60_000,
    finishedAt: NOW - 10_000,
    outcome,
  };
  return { identity: "drill/x", jobs: [job], processed: false, startedAt: NOW - 60_000 };
}

describe("restore drill decision", () => {
  it("drills the newest verified local snapshot, on the node that holds it, at the due slot", () => {
    const decision = decideDrill(input());
    expect(decision.start).toEqual({
      identity: "drill/2026-03-01T03:00:00Z",
      node: "server-2",
      snapshotPath: `${DIR}/nightly-server-2-${T2 / 1000}.zip`,
    });
    expect(decision.status.lastRestoreDrillScheduleTime).toBe("2026-03-01T03:00:00Z");
    expect(decision.status.conditions?.[0]).toMatchObject({ type: "RestoreVerified", status: "Unknown" });
  });

  it.each([
    ["another drill runs (any policy)", { anyDrillRunning: true }],
    ["the node is saving a snapshot", { busyNodes: new Set(["server-2"]) }],
  ])("waits while %s, without taking the slot", (_, extra) => {
    const decision = decideDrill(input(extra));
    expect(decision.start).toBeUndefined();
    expect(decision.status.lastRestoreDrillScheduleTime).toBe("2026-02-28T03:00:00Z");
    expect(decision.requeueAfterMs).toBe(30_000);
  });

  it.each([
    ["a failed save (not ready)", [record("server-2", T2, { ready: false })], "server-1"],
    ["an S3 copy", [record("server-2", T2, { storage: "s3", location: "s3://b/x" })], "server-1"],
    ["another policy's file", [record("server-2", T2, { name: `other-server-2-${T2 / 1000}` })], "server-1"],
    ["a copy on an unhealthy member", [record("server-2", T2)], "server-1", ["server-2"]],
  ])("skips %s", (_, newer, expected, unhealthy: string[] = []) => {
    const members = MEMBERS.map((m) => ({ ...m, healthy: !unhealthy.includes(m.name) }));
    expect(newestVerifiedSnapshot("nightly", [record("server-1", T1), ...newer], members)?.node).toBe(expected);
  });

  it("skips a copy the integrity check refused (status.notVerified)", () => {
    const corrupt = record("server-2", T2);
    const refused = [{ location: corrupt.location }];
    expect(newestVerifiedSnapshot("nightly", [record("server-1", T1), corrupt], MEMBERS, refused)?.node).toBe(
      "server-1",
    );
    expect(newestVerifiedSnapshot("nightly", [record("server-1", T1), corrupt], MEMBERS)?.node).toBe("server-2");
  });

  it("takes the slot and says so when there is nothing to drill", () => {
    const decision = decideDrill(input({ records: [] }));
    expect(decision.start).toBeUndefined();
    expect(decision.status.lastRestoreDrillScheduleTime).toBe("2026-03-01T03:00:00Z");
    expect(decision.events.map((e) => e.reason)).toEqual(["RestoreDrillSkipped"]);
  });

  it("a changed trigger drills now; the same trigger does not again", () => {
    const status = { lastRestoreDrillScheduleTime: "2026-03-01T03:00:00Z" };
    const first = decideDrill(input({ status, spec: spec({ restoreDrill: { schedule: "0 3 * * *", trigger: "a" } }) }));
    expect(first.start?.identity).toBe("drill-trigger/a");
    const again = decideDrill(
      input({ status: first.status, spec: spec({ restoreDrill: { schedule: "0 3 * * *", trigger: "a" } }) }),
    );
    expect(again.start).toBeUndefined();
  });

  it("records a good drill: status, history bounded by keep, RestoreVerified=True, the Job marked", () => {
    const status = {
      lastRestoreDrillScheduleTime: "2026-03-01T03:00:00Z",
      restoreDrills: [
        { snapshot: "a", node: "n", time: "2026-02-27T03:00:00Z", outcome: "Succeeded" as const },
        { snapshot: "b", node: "n", time: "2026-02-26T03:00:00Z", outcome: "Succeeded" as const },
      ],
    };
    const ok: RestoreDrillResult = {
      ok: true,
      action: "restore-drill",
      snapshot: "s.zip",
      revision: 44,
      keys: 42,
      hashKV: 7,
    };
    const decision = decideDrill(input({ status, runs: [finished(ok)] }));
    const drilled = {
      snapshot: "s.zip",
      node: "server-2",
      time: "2026-03-01T03:00:10Z",
      outcome: "Succeeded",
      revision: 44,
      keys: 42,
    };
    expect(decision.status.lastRestoreDrill).toEqual(drilled);
    expect(decision.status.restoreDrills?.map((d) => d.snapshot)).toEqual(["s.zip", "a"]);
    expect(decision.status.lastSuccessfulRestoreDrillTime).toBe("2026-03-01T03:00:10Z");
    expect(decision.markProcessed).toEqual(["drill-server-2"]);
    expect(decision.status.conditions?.[0]).toMatchObject({ status: "True", reason: "DrillSucceeded" });
    // Counted once: the same drill already in the status (a crash before the label) is not added again.
    const again = decideDrill(input({ status: decision.status, runs: [finished(ok)] }));
    expect(again.status.restoreDrills).toEqual(decision.status.restoreDrills);
    expect(again.markProcessed).toEqual(["drill-server-2"]);
  });

  it("a failed drill turns RestoreVerified False with the reason, keeps the last success time, and warns", () => {
    const status = {
      lastRestoreDrillScheduleTime: "2026-03-01T03:00:00Z",
      lastSuccessfulRestoreDrillTime: "2026-02-20T03:00:00Z",
    };
    const bad: RestoreDrillResult = {
      ok: false,
      action: "restore-drill",
      snapshot: "s.zip",
      error: "restore failed: Error: expected sha256 [1 2], got [3 4]",
    };
    const decision = decideDrill(input({ status, runs: [finished(bad)] }));
    expect(decision.status.lastRestoreDrill).toMatchObject({ outcome: "Failed", message: bad.error });
    expect(decision.status.lastSuccessfulRestoreDrillTime).toBe("2026-02-20T03:00:00Z");
    expect(decision.status.conditions?.[0]).toMatchObject({ status: "False", reason: "DrillFailed" });
    expect(decision.events).toEqual([expect.objectContaining({ type: "Warning", reason: "RestoreDrillFailed" })]);
  });

  it("without spec.restoreDrill: no Job, and the condition goes", () => {
    const status = {
      conditions: [
        {
          type: "RestoreVerified",
          status: "True" as const,
          reason: "x",
          message: "",
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
    };
    const decision = decideDrill(input({ spec: spec({ restoreDrill: undefined }), status }));
    expect([decision.start, decision.status.conditions]).toEqual([undefined, []]);
  });
});

describe("restore drill Job", () => {
  it("is a node Job in its own network namespace, with an emptyDir scratch folder", () => {
    const job = drillJob(
      { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "EtcdSnapshotPolicy", name: "nightly", uid: "u" },
      { identity: "drill/x", node: "server-2", snapshotPath: `${DIR}/s.zip` },
      { namespace: "jobs", image: "img" },
    );
    const pod = job.spec.template.spec as Record<string, unknown> & { containers: { args: string[] }[] };
    expect([pod.nodeName, pod.hostNetwork, pod.hostPID]).toEqual(["server-2", false, false]);
    expect(pod.volumes).toContainEqual({ name: "scratch", emptyDir: { sizeLimit: "17Gi" } });
    expect(pod.containers[0]?.args).toEqual([
      "node-agent",
      "restore-drill",
      "--snapshot",
      `${DIR}/s.zip`,
      "--scratch",
      "/scratch",
      "--client-port",
      "32379",
      "--peer-port",
      "32380",
    ]);
  });
});
