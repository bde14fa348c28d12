/**
 * Snapshot integrity end to end: the (simulated) node-agent hashes the file it saved, the
 * operator keeps the SHA-256 and the verdict in the policy's status, and a snapshot the sim's
 * `snapshotCorrupt` knob damaged is reported not verified, is never kept as the newest good one
 * by retention, and never passes the pre-upgrade gate, whether taken fresh or standing in
 * (snapshot.maxAge). The knob belongs to the simulated RKE2 node, which plays kubelet and
 * node-agent on both lanes.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import {
  etcdSnapshotFileResource,
  snapshotSizeBytes,
  type EtcdSnapshotFile,
} from "../../../src/api/etcdsnapshotfile.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { simulatedFileDigest } from "../../../src/sim/cluster/snapshots.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { SECRET_RESOURCE, type Secret } from "../../../src/storage/credentials.ts";
import { getPolicy, OPERATOR_NAMESPACE, policy } from "./harness.ts";
import { S3RVER_KEY, startLoopbackS3 } from "./loopback-s3.ts";
import { condition, plan, quickSpec, upgradeJobs, waitForPlan } from "../upgradeplan/harness.ts";

const sim = withSim();
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startTestOperator(sim().operatorPort);
});
afterAll(async () => {
  sim().cluster.setFaults({ snapshotCorrupt: false });
  await operator?.stop();
});

const POLICY = "checked";

async function triggerAndWait(
  trigger: string,
  done: (p: EtcdSnapshotPolicy) => boolean,
  what: string,
): Promise<EtcdSnapshotPolicy> {
  return triggerPolicy(POLICY, trigger, done, what);
}

async function triggerPolicy(
  name: string,
  trigger: string,
  done: (p: EtcdSnapshotPolicy) => boolean,
  what: string,
): Promise<EtcdSnapshotPolicy> {
  // RKE2 names a snapshot by node and unix second: two saves on one node in one second would be one file.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await sim().port.mergePatch(etcdSnapshotPolicyResource, name, { spec: { trigger } });
  return waitFor(
    async () => {
      const current = await getPolicy(sim().port, name);
      return current?.status?.lastTrigger === trigger && current.status.snapshots && done(current)
        ? current
        : undefined;
    },
    { timeoutMs: 40_000, what },
  );
}

/** rke2_lifecycle_snapshots_not_verified{policy}, once it reads `expected` (the operator sets it after the status). */
async function notVerifiedGauge(policyName: string, expected: number): Promise<number> {
  return waitFor(
    async () => {
      const metric = await operator?.metrics.registry.getSingleMetric("rke2_lifecycle_snapshots_not_verified")?.get();
      const value = metric?.values.find((sample) => sample.labels.policy === policyName)?.value;
      return value === expected ? value : undefined;
    },
    { timeoutMs: 10_000, what: `rke2_lifecycle_snapshots_not_verified{policy="${policyName}"} ${expected}` },
  );
}

async function recordOf(name: string): Promise<EtcdSnapshotFile | undefined> {
  const records = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
  return records.find((record) => record.spec.snapshotName === name);
}

describe("snapshot integrity", () => {
  it("keeps each SHA-256; a corrupt one is unverified, skipped by retention and the pre-upgrade gate", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy(POLICY, { schedule: "0 0 1 1 *", retention: { count: 2 }, trigger: "good-1" }),
    );

    // 1. A good snapshot: the SHA-256 of the bytes on the node, verified.
    const first = await triggerAndWait("good-1", (p) => p.status?.lastSuccessfulSnapshot !== undefined, "good-1");
    const good1 = first.status?.lastSuccessfulSnapshot;
    expect(good1).toMatchObject({ verified: true, verifyMessage: expect.stringContaining("as recorded") });
    const size = snapshotSizeBytes((await recordOf(good1?.name ?? ""))?.status?.size) ?? -1;
    expect(good1?.sha256).toBe(simulatedFileDigest(good1?.name ?? "", size).sha256);
    expect(first.status?.snapshots?.[0]).toMatchObject({ name: good1?.name, sha256: good1?.sha256, verified: true });

    // 2. The file is cut short on the node after RKE2 recorded it: the run fails, not verified.
    sim().cluster.setFaults({ snapshotCorrupt: "truncated" });
    const second = await triggerAndWait(
      "corrupt",
      (p) => p.status?.lastFailure?.message.includes("not verified") === true,
      "the corrupt snapshot reported",
    );
    expect(second.status?.lastFailure?.message).toMatch(
      new RegExp(`not verified: the file on the node is ${Math.floor(size / 2)} bytes, RKE2 recorded ${size}`),
    );
    expect(second.status?.lastSuccessfulSnapshot?.name).toBe(good1?.name);
    const [corrupt] = second.status?.notVerified ?? [];
    expect(corrupt).toMatchObject({ message: expect.stringContaining("RKE2 recorded"), sha256: expect.any(String) });
    expect(corrupt?.name).not.toBe(good1?.name);
    expect(await notVerifiedGauge(POLICY, second.status?.notVerified?.length ?? -1)).toBeGreaterThan(0);

    // 3. The pre-upgrade gate takes a fresh snapshot with the policy's settings: corrupt too, so
    // the plan touches no node and says why.
    await sim().port.create(
      upgradePlanResource,
      plan("gated", quickSpec({ version: "v1.30.8+rke2r1", snapshot: { policyRef: POLICY, required: true } })),
    );
    const gated = await waitForPlan(
      sim().port,
      "gated",
      (p) => condition(p, "SnapshotTaken")?.message.includes("not verified") === true,
      "the pre-upgrade snapshot refused",
      40_000,
    );
    expect(gated.status?.phase).toBe("Waiting");
    expect(condition(gated, "SnapshotTaken")).toMatchObject({ status: "False" });
    expect(await upgradeJobs(sim().port)).toEqual([]);
    await sim().port.delete(upgradePlanResource, "gated");

    // 3b. A plan that lets a recent policy snapshot stand in (snapshot.maxAge) gets the last verified
    // one, good-1, not the newer corrupt one. Every tier waits for approval: no node is touched.
    await sim().port.create(
      upgradePlanResource,
      plan(
        "stand-in",
        quickSpec({
          version: "v1.30.8+rke2r1",
          snapshot: { policyRef: POLICY, required: true, maxAge: "1h" },
          approval: { tiers: ["etcd", "control-plane", "worker"] },
        }),
      ),
    );
    const standIn = await waitForPlan(
      sim().port,
      "stand-in",
      (p) => condition(p, "SnapshotTaken")?.status === "True",
      "the policy's last verified snapshot standing in",
      40_000,
    );
    expect(condition(standIn, "SnapshotTaken")?.message).toContain(`policy snapshot ${good1?.name ?? ""} from`);
    expect(standIn.status?.snapshot?.name).toBe(good1?.name);
    expect(await upgradeJobs(sim().port)).toEqual([]);
    await sim().port.delete(upgradePlanResource, "stand-in");

    // 4. A good snapshot again. count 2: the newest two good ones stay; the corrupt ones (the
    // failed run's retries were corrupt too), though newer than good-1, are pruned.
    sim().cluster.setFaults({ snapshotCorrupt: false });
    const third = await triggerAndWait(
      "good-2",
      (p) => p.status?.lastSuccessfulSnapshot?.name !== good1?.name && p.status?.notVerified === undefined,
      "good-2 verified and the corrupt ones pruned",
    );
    const good2 = third.status?.lastSuccessfulSnapshot?.name;
    expect(third.status?.snapshots?.map((s) => [s.name, s.verified])).toEqual([
      [good2, true],
      [good1?.name, true],
    ]);
    const left = await waitFor(
      async () => {
        const names = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items
          .map((record) => record.spec.snapshotName)
          .filter((name) => name.startsWith(`${POLICY}-`))
          .sort();
        return names.length === 2 ? names : undefined;
      },
      { timeoutMs: 30_000, what: "the corrupt snapshots deleted" },
    );
    expect(left).toEqual([good1?.name, good2].sort());
    expect(await notVerifiedGauge(POLICY, 0)).toBe(0);
  }, 120_000);

  it("fails an S3 copy whose bytes differ from the file saved on the node: same size, another MD5", async () => {
    const s3 = await startLoopbackS3({ bucket: "backups", records: sim().port });
    try {
      await sim().port.create<Secret>(SECRET_RESOURCE, {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "integrity-s3", namespace: OPERATOR_NAMESPACE },
        data: {
          accessKey: Buffer.from(S3RVER_KEY).toString("base64"),
          secretKey: Buffer.from(S3RVER_KEY).toString("base64"),
        },
      });
      const s3Spec = {
        bucket: "backups",
        endpoint: s3.endpoint,
        insecure: true,
        bucketLookup: "path" as const,
        folder: "integrity",
        credentialsSecret: "integrity-s3",
      };
      await sim().port.create(
        etcdSnapshotPolicyResource,
        policy("offsite", { schedule: "0 0 1 1 *", s3: s3Spec, trigger: "good" }),
      );
      const good = await triggerPolicy(
        "offsite",
        "good",
        (p) => p.status?.lastSuccessfulSnapshot !== undefined,
        "a verified S3 snapshot",
      );
      expect(good.status?.lastSuccessfulSnapshot).toMatchObject({
        location: expect.stringMatching(/^s3:\/\/backups\/integrity\/offsite-/),
        verified: true,
        verifyMessage: "size and ETag (MD5) match the bucket",
      });

      // One byte of the node's file changes after the upload: its size still matches RKE2's record,
      // so the local copy passes; the bucket's ETag is the MD5 of the bytes RKE2 uploaded.
      sim().cluster.setFaults({ snapshotCorrupt: "altered" });
      const altered = await triggerPolicy(
        "offsite",
        "altered",
        (p) => p.status?.lastFailure?.message.includes("not verified") === true,
        "the S3 copy not verified",
      );
      expect(altered.status?.lastFailure?.message).toMatch(
        new RegExp(
          String.raw`s3://backups/integrity/offsite-\S+ not verified: ` +
            String.raw`the bucket's ETag \(MD5\) [0-9a-f]{32} differs from the node's MD5 [0-9a-f]{32}`,
        ),
      );
      expect(altered.status?.lastSuccessfulSnapshot?.name).toBe(good.status?.lastSuccessfulSnapshot?.name);
      expect(altered.status?.notVerified?.map((entry) => entry.location)).toEqual([expect.stringMatching(/^s3:\/\//)]);
    } finally {
      sim().cluster.setFaults({ snapshotCorrupt: false });
      await sim().port.delete(etcdSnapshotPolicyResource, "offsite");
      await s3.stop();
    }
  }, 120_000);
});
