import { describe, expect, it } from "@jest/globals";
import type { PreUpgradeObservation, StartOutcome } from "../../../../src/controllers/pre-upgrade-snapshot.ts";
import {
  decidePreUpgradeSnapshot,
  reportPreUpgradeSnapshot,
  type DecideContext,
  type PreUpgradeDecision,
} from "../../../../src/controllers/upgradeplan/pre-upgrade.ts";

const NOW = Date.parse("2026-03-01T12:00:00Z");
const context: DecideContext = { policyName: "nightly", maxAgeMs: undefined, now: NOW, recheckMs: 2000 };
const usable = { usable: true } as const;
const member = { ok: true, name: "server-1" } as const;
const recent = { name: "nightly-server-1-1772362800.zip", takenAt: "2026-03-01T11:00:00Z" };
const observed = (partial: Partial<PreUpgradeObservation>): PreUpgradeObservation => ({
  policy: usable,
  run: undefined,
  node: member,
  ...partial,
});

describe("decidePreUpgradeSnapshot", () => {
  const cases: [string, PreUpgradeObservation, Partial<DecideContext>, PreUpgradeDecision][] = [
    ["no Job yet, a healthy member: start it there", observed({}), {}, { kind: "create-job", node: "server-1" }],
    [
      "an unusable policy blocks, whatever else holds",
      observed({ policy: { usable: false, message: "EtcdSnapshotPolicy nope not found" } }),
      {},
      { kind: "wait", state: "Blocked", message: "EtcdSnapshotPolicy nope not found" },
    ],
    [
      "a policy snapshot within maxAge stands in",
      observed({ policy: { usable: true, lastSnapshot: recent } }),
      { maxAgeMs: 2 * 3600_000 },
      {
        kind: "done",
        snapshot: recent,
        message: `policy snapshot ${recent.name} from ${recent.takenAt} is recent enough`,
      },
    ],
    [
      "a policy snapshot older than maxAge does not",
      observed({ policy: { usable: true, lastSnapshot: recent } }),
      { maxAgeMs: 1800_000 },
      { kind: "create-job", node: "server-1" },
    ],
    [
      "without maxAge no policy snapshot stands in",
      observed({ policy: { usable: true, lastSnapshot: recent } }),
      {},
      { kind: "create-job", node: "server-1" },
    ],
    [
      "storage the policy found down: wait, no Job",
      observed({ policy: { usable: true, storageUnavailable: "connect ECONNREFUSED" } }),
      {},
      {
        kind: "wait",
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: connect ECONNREFUSED",
      },
    ],
    [
      "no member may take it: pending, woken by the members' changes",
      observed({ node: { ok: false, reason: "no healthy etcd member" } }),
      {},
      { kind: "wait", state: "Pending", message: "cannot start the pre-upgrade snapshot yet: no healthy etcd member" },
    ],
    [
      "the Job runs: wait for its change, no timer",
      observed({ run: { state: "Running", nodes: ["server-1"] } }),
      {},
      { kind: "wait", state: "Running", message: "pre-upgrade snapshot running on server-1" },
    ],
    [
      "verifying: look again soon (the bucket is not watched)",
      observed({ run: { state: "Verifying", message: "confirming s3://b/x", deadline: NOW + 60_000 } }),
      {},
      {
        kind: "wait",
        state: "Running",
        message: "pre-upgrade snapshot taken, verifying: confirming s3://b/x",
        recheckInMs: 2000,
      },
    ],
    [
      "verifying: at the latest when the verify deadline passes",
      observed({ run: { state: "Verifying", message: "no record", deadline: NOW + 500 } }),
      {},
      { kind: "wait", state: "Running", message: "pre-upgrade snapshot taken, verifying: no record", recheckInMs: 500 },
    ],
    [
      "a failed run fails (a not-verified copy among them)",
      observed({ run: { state: "Failed", message: "server-1: s3://b/x not verified: size differs" } }),
      {},
      { kind: "failed", message: "pre-upgrade snapshot failed: server-1: s3://b/x not verified: size differs" },
    ],
    [
      "a verified run is done",
      observed({ run: { state: "Succeeded", snapshot: recent, locations: ["file:///x", "s3://b/x"] } }),
      {},
      { kind: "done", snapshot: recent, message: "pre-upgrade snapshot verified: file:///x, s3://b/x" },
    ],
    [
      "a run that reported no copy fails",
      observed({ run: { state: "Succeeded", snapshot: undefined, locations: [] } }),
      {},
      { kind: "failed", message: "the pre-upgrade snapshot reported no copies" },
    ],
    [
      "a Job without the run annotation: pending",
      observed({ run: { state: "Unreadable", message: "no run annotation" } }),
      {},
      { kind: "wait", state: "Pending", message: "no run annotation" },
    ],
    [
      "a Job exists: never a second one, even when the member went unhealthy",
      observed({ run: { state: "Running", nodes: ["server-1"] }, node: { ok: false, reason: "busy" } }),
      {},
      { kind: "wait", state: "Running", message: "pre-upgrade snapshot running on server-1" },
    ],
  ];
  it.each(cases)("%s", (_name, observation, overrides, expected) => {
    expect(decidePreUpgradeSnapshot(observation, { ...context, ...overrides })).toEqual(expected);
  });
});

describe("reportPreUpgradeSnapshot", () => {
  const start: PreUpgradeDecision = { kind: "create-job", node: "server-1" };
  const cases: [string, PreUpgradeDecision, StartOutcome | undefined, object][] = [
    [
      "a Job started",
      start,
      { started: true, job: "snap-1" },
      { state: "Running", message: "pre-upgrade snapshot started on server-1 (Job snap-1)" },
    ],
    [
      "the storage check made before the Job failed: checked again after recheckMs",
      start,
      { started: false, storageProblem: "bucket backups does not exist" },
      {
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: bucket backups does not exist",
        recheckInMs: 2000,
      },
    ],
    [
      "done",
      { kind: "done", snapshot: recent, message: "m" },
      undefined,
      { state: "Verified", snapshot: recent, message: "m" },
    ],
    ["failed", { kind: "failed", message: "m" }, undefined, { state: "Failed", message: "m" }],
    [
      "waiting keeps its state and timer",
      { kind: "wait", state: "Running", message: "m", recheckInMs: 5 },
      undefined,
      { state: "Running", message: "m", recheckInMs: 5 },
    ],
  ];
  it.each(cases)("%s", (_name, decision, started, expected) => {
    const before = structuredClone(decision);
    expect(reportPreUpgradeSnapshot(decision, started, context)).toEqual(expected);
    expect(decision).toEqual(before);
  });
});
