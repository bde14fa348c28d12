/** READY and MESSAGE of an EtcdSnapshotPolicy (controllers/etcdsnapshotpolicy/status.ts), one row per situation. */
import { describe, expect, it } from "@jest/globals";
import { findCondition } from "../../../../src/api/condition.ts";
import {
  policyConditions,
  policyMessage,
  type ConditionInput,
  type Status,
} from "../../../../src/controllers/etcdsnapshotpolicy/status.ts";

const NOW = Date.UTC(2026, 0, 1, 12);
const good: Status = {
  lastSuccessfulSnapshot: { name: "nightly-etcd-1-1767225600", node: "etcd-1", takenAt: "2026-01-01T00:00:00Z" },
  storage: { phase: "Available", message: "s3://backups reachable" },
};

function input(status: Status, overrides: Partial<ConditionInput> = {}): ConditionInput {
  return {
    status,
    generation: 1,
    suspended: false,
    overdue: false,
    nextScheduleTime: undefined,
    recordsServed: true,
    now: NOW,
    ...overrides,
  };
}

describe("EtcdSnapshotPolicy READY and MESSAGE", () => {
  it.each<[string, Status, Partial<ConditionInput>, string, string, string]>([
    [
      "all well",
      good,
      {},
      "True",
      "SnapshotSucceeded",
      "last snapshot nightly-etcd-1-1767225600 at 2026-01-01T00:00:00Z",
    ],
    [
      "storage down",
      { ...good, storage: { phase: "Unavailable", message: "S3 s3.example:443 unreachable: ECONNREFUSED" } },
      {},
      "False",
      "StorageUnavailable",
      "storage unavailable: S3 s3.example:443 unreachable: ECONNREFUSED",
    ],
    [
      "the last snapshot failed",
      { ...good, lastFailure: { time: "2026-01-01T06:00:00Z", message: "etcd busy" } },
      {},
      "False",
      "SnapshotFailed",
      "the last snapshot failed: etcd busy",
    ],
    [
      "overdue",
      good,
      { overdue: true },
      "True",
      "SnapshotSucceeded",
      "no successful snapshot within two schedule intervals (last at 2026-01-01T00:00:00Z)",
    ],
    [
      "Rancher's",
      good,
      { rancherRefusal: "Rancher takes the snapshots" },
      "False",
      "ManagedByRancher",
      "Rancher takes the snapshots",
    ],
  ])("%s", (_, status, overrides, ready, reason, message) => {
    const conditions = policyConditions(input(status, overrides));
    expect(findCondition(conditions, "Ready")).toMatchObject({ status: ready, reason });
    expect(policyMessage(conditions)).toBe(message);
  });
});
