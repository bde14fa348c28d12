/**
 * The pre-upgrade snapshot end to end, without an API server in between: the policy controller's
 * part over real informers (a memory port), the UpgradePlan controller's decision and its effects.
 * Once the caches synced, no LIST is sent: everything is read from them.
 */
import { describe, expect, it } from "@jest/globals";
import { etcdSnapshotFileResource } from "../../../../src/api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource } from "../../../../src/api/etcdsnapshotpolicy.ts";
import { JOB_RESOURCE, POD_RESOURCE, type Job } from "../../../../src/nodeops/job.ts";
import { encodeResult } from "../../../../src/nodeops/results.ts";
import type { LocationCheck, ObjectStore } from "../../../../src/storage/s3-store.ts";
import type { KubeObject } from "../../../../src/runtime/kube/types.ts";
import type { MemoryKubePort } from "../../../support/memory-port.ts";
import { cluster, request } from "./pre-upgrade-cluster.ts";

describe("the pre-upgrade snapshot through the policy controller's part", () => {
  it("starts one Job, reports Running while it runs, and Verified once RKE2 recorded the snapshot", async () => {
    const { start, port } = await cluster();
    const ensure = await start();
    const lists = (): Record<string, number> =>
      Object.fromEntries(
        ["etcdsnapshotfiles", "jobs", "nodes", "pods"].map((plural) => [plural, port.requestCount("list", plural)]),
      );
    const listed = lists();
    expect(await ensure(request)).toMatchObject({
      state: "Running",
      message: expect.stringContaining("started on server-1"),
    });
    expect(await ensure(request)).toMatchObject({ state: "Running" });
    const jobs = (await port.list<Job>(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items;
    expect(jobs).toHaveLength(1);
    const job = jobs[0] as Job;
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: "UpgradePlan", name: "v1-31", uid: "plan-uid" });
    expect(JSON.stringify(job.spec.template.spec)).toContain('"--name","pre-upgrade-v1-31"');

    const name = "pre-upgrade-v1-31-server-1-1772366400.zip";
    const location = `file:///var/lib/rancher/rke2/server/db/snapshots/${name}`;
    await port.patchStatus(
      JOB_RESOURCE,
      job.metadata.name,
      { conditions: [{ type: "Complete", status: "True" }], completionTime: "2026-03-01T12:00:10Z" },
      "rke2-lifecycle-jobs",
    );
    // The Job is seen finished before its pod's result (two watches): waited for, not judged.
    expect(await ensure(request)).toMatchObject({
      state: "Running",
      message:
        "pre-upgrade snapshot taken, verifying: " +
        `the result of Job ${job.metadata.name} is not in the operator's cache yet`,
      recheckInMs: 2000,
    });
    await port.create(POD_RESOURCE, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${job.metadata.name}-x`,
        namespace: "rke2-lifecycle-jobs",
        labels: { ...job.spec.template.metadata?.labels, "job-name": job.metadata.name },
      },
      status: {
        containerStatuses: [
          {
            state: {
              terminated: {
                exitCode: 0,
                message: encodeResult({
                  ok: true,
                  action: "snapshot-save",
                  snapshots: [{ name, node: "server-1", location, size: 5, createdAt: "2026-03-01T12:00:00Z" }],
                }),
              },
            },
          },
        ],
      },
    } as KubeObject);
    expect(await ensure(request)).toMatchObject({
      state: "Running",
      message: expect.stringContaining("verifying"),
    });

    await port.create(etcdSnapshotFileResource, {
      apiVersion: "k3s.cattle.io/v1",
      kind: "ETCDSnapshotFile",
      metadata: { name: "local-x" },
      spec: { snapshotName: name, nodeName: "server-1", location },
      status: { size: "5", readyToUse: true, creationTime: "2026-03-01T12:00:00Z" },
    } as KubeObject);
    expect(await ensure(request)).toEqual({
      state: "Verified",
      snapshot: { name, takenAt: "2026-03-01T12:00:00Z" },
      message: `pre-upgrade snapshot verified: ${location}`,
    });
    // Read from the caches: the only LIST since they synced is this test's own look at the Jobs.
    expect(lists()).toEqual({ ...listed, jobs: (listed.jobs ?? 0) + 1 });
  });

  it("without a policy: a local, compressed snapshot on one etcd member; no policy snapshot stands in", async () => {
    const { start, port } = await cluster({
      lastSuccessfulSnapshot: {
        name: "nightly-server-1-1772362800.zip",
        node: "server-1",
        takenAt: "2026-03-01T11:00:00Z",
      },
    });
    const ensure = await start();
    const local = { ...request, policyName: undefined, maxAgeMs: 2 * 3600_000 };
    expect(await ensure(local)).toMatchObject({
      state: "Running",
      message: expect.stringContaining("started on server-1"),
    });
    const [job, ...others] = (await port.list<Job>(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items;
    expect(others).toEqual([]);
    expect(job?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "UpgradePlan", name: "v1-31" });
    const podSpec = JSON.stringify(job?.spec.template.spec);
    expect(podSpec).toContain('"--name","pre-upgrade-v1-31"');
    expect(podSpec).toContain(`"--name","pre-upgrade-v1-31","--compress"`);
    expect(podSpec).not.toContain("--s3");
    expect(podSpec).not.toContain("secretKeyRef");
  });

  it("accepts a policy snapshot younger than maxAge without taking one", async () => {
    const { start, port } = await cluster({
      lastSuccessfulSnapshot: {
        name: "nightly-server-1-1772362800.zip",
        node: "server-1",
        takenAt: "2026-03-01T11:00:00Z",
      },
    });
    const ensure = await start();
    expect(await ensure({ ...request, maxAgeMs: 2 * 3600_000 })).toMatchObject({
      state: "Verified",
      snapshot: { name: "nightly-server-1-1772362800.zip" },
    });
    expect(await ensure({ ...request, maxAgeMs: 1800_000 })).toMatchObject({
      state: "Running",
    });
    expect((await port.list(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items).toHaveLength(1);
  });

  it("judges a finished Job whose pod never shows a result once the grace passed", async () => {
    const { start, port, clock } = await cluster();
    const ensure = await start();
    expect(await ensure(request)).toMatchObject({ state: "Running" });
    const [job] = (await port.list<Job>(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items;
    if (!job) throw new Error("no Job");
    await port.patchStatus(
      JOB_RESOURCE,
      job.metadata.name,
      { conditions: [{ type: "Complete", status: "True" }], completionTime: "2026-03-01T12:00:00Z" },
      "rke2-lifecycle-jobs",
    );
    expect(await ensure(request)).toMatchObject({ state: "Running", recheckInMs: 2000 });
    await clock.advance(31_000);
    expect(await ensure(request)).toMatchObject({
      state: "Failed",
      message: expect.stringContaining("the node Job wrote no termination message"),
    });
  });

  it("fails clearly without the policy, and waits without a healthy etcd member", async () => {
    const { start, port } = await cluster();
    const ensure = await start();
    expect(await ensure({ ...request, policyName: "nope" })).toEqual({
      state: "Blocked",
      message: "EtcdSnapshotPolicy nope not found: create it or change spec.snapshot.policyRef",
    });
    await port.patchStatus(
      POD_RESOURCE,
      "etcd-server-1",
      { conditions: [{ type: "Ready", status: "False" }] },
      "kube-system",
    );
    expect(await ensure(request)).toEqual({
      state: "Pending",
      message:
        "cannot start the pre-upgrade snapshot yet: " +
        "no healthy etcd member: server-1 (etcd pod etcd-server-1 is not Ready)",
    });
  });

  describe("with S3 storage", () => {
    const s3Spec = { schedule: "0 0 * * *", s3: { bucket: "backups", endpoint: "127.0.0.1:9", insecure: true } };
    async function s3Cluster(storage: object | undefined, check: LocationCheck) {
      const setup = await cluster(storage ? { storage } : undefined);
      await setup.port.mergePatch(etcdSnapshotPolicyResource, "nightly", { spec: s3Spec });
      const checks: string[] = [];
      const store: ObjectStore = {
        statObject: () => Promise.reject(new Error("not used")),
        checkLocation: () => {
          checks.push("check");
          return Promise.resolve(check);
        },
        close: () => undefined,
      };
      return { ...setup, ensure: await setup.start(() => store), checks };
    }
    const jobs = async (port: MemoryKubePort) =>
      (await port.list<Job>(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items;

    it("starts no Job while the policy found its storage unavailable, and sends no request to it", async () => {
      const { ensure, port, checks } = await s3Cluster(
        { phase: "Unavailable", message: "connect ECONNREFUSED 127.0.0.1:9" },
        { ok: true, message: "reachable" },
      );
      expect(await ensure(request)).toEqual({
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: connect ECONNREFUSED 127.0.0.1:9",
      });
      expect(await jobs(port)).toEqual([]);
      expect(checks).toEqual([]);
      // Back: the policy's next check says so, and the snapshot starts.
      await port.patchStatus(etcdSnapshotPolicyResource, "nightly", { storage: { phase: "Available", message: "ok" } });
      expect(await ensure(request)).toMatchObject({ state: "Running" });
      expect(await jobs(port)).toHaveLength(1);
    });

    it("checks the storage itself before the Job when the policy last found it available", async () => {
      const { ensure, port, checks } = await s3Cluster(
        { phase: "Available", message: "ok" },
        { ok: false, message: "bucket backups does not exist" },
      );
      expect(await ensure(request)).toEqual({
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: bucket backups does not exist",
        // No watch shows the bucket coming back: this check is repeated (the policy's, a status change, is watched).
        recheckInMs: 2000,
      });
      expect(checks).toEqual(["check"]);
      expect(await jobs(port)).toEqual([]);
    });
  });
});
