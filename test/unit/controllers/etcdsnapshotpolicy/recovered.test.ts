import { describe, expect, it } from "@jest/globals";
import { EtcdSnapshotPolicySpecSchema } from "../../../../src/api/etcdsnapshotpolicy.ts";
import { saveJob } from "../../../../src/controllers/etcdsnapshotpolicy/desired.ts";
import { saveRequestOf } from "../../../../src/controllers/etcdsnapshotpolicy/recovered.ts";
import {
  evaluateRun,
  objectsToConfirm,
  VERIFY_TIMEOUT_MS,
  type ObjectCheck,
  type RunJob,
} from "../../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import type { RecordedSnapshot } from "../../../../src/controllers/etcdsnapshotpolicy/records.ts";
import { encodeResult } from "../../../../src/nodeops/results.ts";
import { failedJob, job, localCopy, MINUTE, run, s3Copy, T0 } from "./builders.ts";

const S3_SAVE = { name: "nightly", s3: true };
const started = T0;
const killedAt = T0 + 9 * MINUTE;

/** A save Job its activeDeadlineSeconds killed: no result in the termination message. */
function killed(node: string, save = S3_SAVE): RunJob {
  return {
    ...job(
      node,
      { state: "Failed", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" },
      { created: started, finished: killedAt },
    ),
    save,
  };
}

function context(records: RecordedSnapshot[], checks: [string, ObjectCheck][] = [], now = killedAt + MINUTE) {
  return { verify: true, records, objectChecks: new Map(checks), now };
}

describe("a save Job that failed although RKE2 recorded the snapshot", () => {
  const local = localCopy("nightly", "etcd-1", started + 30_000);
  const remote = s3Copy("nightly", "etcd-1", started + 30_000);

  it("counts when RKE2 recorded both copies and the bucket holds the object", () => {
    const observed = run("slot/x", [killed("etcd-1")]);
    expect(objectsToConfirm([observed], { verify: true, records: [local, remote] })).toEqual([remote.location]);
    const evaluation = evaluateRun(
      observed,
      context([local, remote], [[remote.location, { exists: true, size: 1000 }]]),
    );
    expect(evaluation).toMatchObject({
      state: "Succeeded",
      snapshots: [{ location: local.location }, { location: remote.location }],
    });
  });

  it("waits for RKE2's records and the bucket, then fails with what the Job said", () => {
    const observed = run("slot/x", [killed("etcd-1")]);
    expect(evaluateRun(observed, context([local, remote]))).toMatchObject({ state: "Verifying" });
    expect(evaluateRun(observed, context([]))).toMatchObject({
      state: "Verifying",
      message: expect.stringContaining("RKE2 has not recorded the snapshot"),
    });
    const late = evaluateRun(observed, context([], [], killedAt + VERIFY_TIMEOUT_MS));
    expect(late).toMatchObject({ state: "Failed", message: expect.stringContaining("DeadlineExceeded") });
  });

  it("does not count a copy missing from the bucket, one not ready, or an older snapshot", () => {
    const observed = run("slot/x", [killed("etcd-1")]);
    const missing = evaluateRun(
      observed,
      context([local, remote], [[remote.location, { exists: false }]], killedAt + VERIFY_TIMEOUT_MS),
    );
    expect(missing.state).toBe("Failed");
    const notReady = { ...remote, ready: false, size: 0 };
    expect(evaluateRun(observed, context([local, notReady], [], killedAt + VERIFY_TIMEOUT_MS)).state).toBe("Failed");
    const older = [
      localCopy("nightly", "etcd-1", started - 2 * MINUTE),
      s3Copy("nightly", "etcd-1", started - 2 * MINUTE),
    ];
    expect(evaluateRun(observed, context(older, [], killedAt + VERIFY_TIMEOUT_MS)).state).toBe("Failed");
  });

  it("counts a local-only save from its record alone", () => {
    const observed = run("slot/x", [killed("etcd-1", { name: "nightly", s3: false })]);
    expect(evaluateRun(observed, context([local]))).toMatchObject({
      state: "Succeeded",
      snapshots: [{ location: local.location }],
    });
  });

  it("recovers a CLI that timed out on the ls after a save, and fails at once on other errors", () => {
    const listTimedOut = {
      ...failedJob(
        "etcd-1",
        "snapshot nightly-etcd-1-1772323230 saved, but listing it failed: context deadline exceeded",
        started,
        killedAt,
      ),
      save: S3_SAVE,
    };
    expect(
      evaluateRun(
        run("slot/x", [listTimedOut]),
        context([local, remote], [[remote.location, { exists: true, size: 1 }]]),
      ).state,
    ).toBe("Succeeded");
    const busy = {
      ...failedJob("etcd-1", "another etcd snapshot save is running on this node", started, killedAt),
      save: S3_SAVE,
    };
    expect(evaluateRun(run("slot/x", [busy]), context([])).state).toBe("Failed");
    const unknownJob = job(
      "etcd-1",
      {
        state: "Failed",
        reason: "DeadlineExceeded",
        message: encodeResult({ ok: false, action: "snapshot-save", error: "x" }),
      },
      { created: started, finished: killedAt },
    );
    expect(evaluateRun(run("slot/x", [unknownJob]), context([local, remote])).state).toBe("Failed");
  });

  it("reads the save request back from the Job the operator built", () => {
    const spec = EtcdSnapshotPolicySpecSchema.parse({
      schedule: "0 * * * *",
      s3: { bucket: "backups", endpoint: "s3.example", timeout: "5m" },
    });
    const built = saveJob({
      owner: { apiVersion: "v", kind: "EtcdSnapshotPolicy", name: "nightly", uid: "u" },
      policyName: "nightly",
      spec,
      snapshotName: "pre-upgrade-v133",
      node: "etcd-1",
      identity: "i",
      config: { namespace: "j", image: "i" },
      ttlSecondsAfterFinished: 1,
    });
    expect(saveRequestOf(built)).toEqual({ name: "pre-upgrade-v133", s3: true });
    expect(built.spec.activeDeadlineSeconds).toBe(2 * (120 + 300) + 60);
  });
});
