import { describe, expect, it } from "@jest/globals";
import type { EtcdSnapshotPolicy, EtcdSnapshotPolicyStatus } from "../../../src/api/etcdsnapshotpolicy.ts";
import { describeOutcome, snapshotOutcome } from "../../../src/cli/snapshot-outcome.ts";

const TRIGGER = "2026-12-07T12:00:00.000Z";
const OLD = { name: "p-etcd-1-100", node: "etcd-1", size: 10, location: "file:///s/p-etcd-1-100", takenAt: "t0" };
const NEW_1 = { name: "p-etcd-1-200", node: "etcd-1", size: 2048, location: "file:///s/p-etcd-1-200", takenAt: "t1" };
const NEW_2 = {
  name: "p-server-1-200",
  node: "server-1",
  size: 2048,
  location: "s3://b/p-server-1-200",
  takenAt: "t1",
};

const policy = (status: EtcdSnapshotPolicyStatus | undefined, verify?: boolean): EtcdSnapshotPolicy => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "EtcdSnapshotPolicy",
  metadata: { name: "p" },
  spec: { schedule: "0 3 * * *", ...(verify === undefined ? {} : { verify }) },
  ...(status ? { status } : {}),
});

const BEFORE = policy({
  observedGeneration: 1,
  lastSuccessfulSnapshot: OLD,
  snapshots: [OLD],
  lastFailure: { time: "2026-12-01T00:00:00Z", message: "old failure" },
});

describe("snapshotOutcome", () => {
  it.each([
    {
      case: "never reconciled",
      after: policy(undefined),
      expected: { state: "waiting", why: "the policy was never reconciled: is the operator running?" },
    },
    {
      case: "trigger not started",
      after: policy({ observedGeneration: 1, lastTrigger: "earlier" }),
      expected: {
        state: "waiting",
        why: "the operator has not started the snapshot yet (another snapshot of this policy may be running)",
      },
    },
    {
      case: "started, not verified yet",
      after: policy({ ...BEFORE.status, lastTrigger: TRIGGER }),
      expected: { state: "waiting", why: "the snapshot is being taken and verified" },
    },
    {
      case: "a new failure",
      after: policy({ ...BEFORE.status, lastTrigger: TRIGGER, lastFailure: { time: "t2", message: "disk full" } }),
      expected: { state: "failed", message: "disk full" },
    },
    {
      case: "one new verified copy",
      after: policy({
        observedGeneration: 1,
        lastTrigger: TRIGGER,
        lastSuccessfulSnapshot: NEW_1,
        snapshots: [NEW_1, OLD],
      }),
      expected: { state: "succeeded", snapshots: [NEW_1], verified: true },
    },
    {
      case: "every etcd node's copy (AllEtcdNodes)",
      after: policy({
        observedGeneration: 1,
        lastTrigger: TRIGGER,
        lastSuccessfulSnapshot: NEW_2,
        snapshots: [NEW_1, NEW_2, OLD],
      }),
      expected: { state: "succeeded", snapshots: [NEW_1, NEW_2], verified: true },
    },
    {
      case: "the status list not updated yet",
      after: policy({ observedGeneration: 1, lastTrigger: TRIGGER, lastSuccessfulSnapshot: NEW_1, snapshots: [OLD] }),
      expected: { state: "succeeded", snapshots: [NEW_1], verified: true },
    },
    {
      case: "verify off",
      after: policy({ observedGeneration: 1, lastTrigger: TRIGGER, lastSuccessfulSnapshot: NEW_1 }, false),
      expected: { state: "succeeded", snapshots: [NEW_1], verified: false },
    },
  ])("$case", ({ after, expected }) => {
    expect(snapshotOutcome(BEFORE, after, TRIGGER)).toEqual(expected);
  });
});

describe("describeOutcome", () => {
  it("lists each copy with node, size and location", () => {
    expect(describeOutcome("p", { state: "succeeded", snapshots: [NEW_1, NEW_2], verified: true })).toBe(
      "etcdsnapshotpolicy/p: snapshot taken and verified:\n" +
        "  p-etcd-1-200  node etcd-1  2.0 KiB  file:///s/p-etcd-1-200\n" +
        "  p-server-1-200  node server-1  2.0 KiB  s3://b/p-server-1-200\n",
    );
    expect(describeOutcome("p", { state: "failed", message: "disk full" })).toBe(
      "etcdsnapshotpolicy/p: the snapshot failed: disk full\n",
    );
  });
});
