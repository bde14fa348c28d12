import { describe, expect, it } from "@jest/globals";
import { etcdSnapshotFileResource } from "../../../../src/api/etcdsnapshotfile.ts";
import { etcdSnapshotPolicyResource } from "../../../../src/api/etcdsnapshotpolicy.ts";
import {
  ensurePreUpgradeSnapshot,
  type PreUpgradeDeps,
} from "../../../../src/controllers/etcdsnapshotpolicy/pre-upgrade.ts";
import { JOB_RESOURCE, POD_RESOURCE, type Job } from "../../../../src/nodeops/job.ts";
import { encodeResult } from "../../../../src/nodeops/results.ts";
import type { LocationCheck, ObjectStore } from "../../../../src/storage/s3-store.ts";
import { FakeClock } from "../../../../src/runtime/clock.ts";
import type { KubeObject } from "../../../../src/runtime/kube/types.ts";
import { MemoryKubePort } from "../../../support/memory-port.ts";

const NODES = { apiVersion: "v1", kind: "Node", plural: "nodes", namespaced: false };
const request = { policyName: "nightly", planName: "v1-31", planUid: "plan-uid", targetVersion: "v1.31.4+rke2r1" };

async function cluster(status?: object): Promise<{ deps: PreUpgradeDeps; port: MemoryKubePort; clock: FakeClock }> {
  const clock = new FakeClock(Date.parse("2026-03-01T12:00:00Z"));
  const port = new MemoryKubePort({ clock });
  await port.create(etcdSnapshotPolicyResource, {
    apiVersion: "rke2-lifecycle.io/v1alpha1",
    kind: "EtcdSnapshotPolicy",
    metadata: { name: "nightly" },
    spec: { schedule: "0 0 * * *" },
    ...(status ? { status } : {}),
  } as KubeObject);
  await port.create(NODES, {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "server-1", labels: { "node-role.kubernetes.io/etcd": "true" } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  } as KubeObject);
  await port.create(POD_RESOURCE, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "etcd-server-1", namespace: "kube-system", labels: { component: "etcd" } },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  } as KubeObject);
  return {
    deps: {
      port,
      clock,
      config: { namespace: "rke2-lifecycle-system", jobsNamespace: "rke2-lifecycle-jobs", nodeAgentImage: "op:1" },
    },
    port,
    clock,
  };
}

describe("ensurePreUpgradeSnapshot", () => {
  it("starts one Job, reports Running while it runs, and Verified once RKE2 recorded the snapshot", async () => {
    const { deps, port } = await cluster();
    expect(await ensurePreUpgradeSnapshot(deps, request)).toMatchObject({
      state: "Running",
      message: expect.stringContaining("started on server-1"),
    });
    expect(await ensurePreUpgradeSnapshot(deps, request)).toMatchObject({ state: "Running" });
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
    expect(await ensurePreUpgradeSnapshot(deps, request)).toMatchObject({
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
    expect(await ensurePreUpgradeSnapshot(deps, request)).toEqual({
      state: "Verified",
      snapshot: { name, takenAt: "2026-03-01T12:00:00Z" },
      message: `pre-upgrade snapshot verified: ${location}`,
    });
  });

  it("without a policy takes a local, compressed snapshot on one etcd member, and no policy snapshot stands in", async () => {
    const { deps, port } = await cluster({
      lastSuccessfulSnapshot: {
        name: "nightly-server-1-1772362800.zip",
        node: "server-1",
        takenAt: "2026-03-01T11:00:00Z",
      },
    });
    const local = { ...request, policyName: undefined, maxAgeMs: 2 * 3600_000 };
    expect(await ensurePreUpgradeSnapshot(deps, local)).toMatchObject({
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
    const { deps, port } = await cluster({
      lastSuccessfulSnapshot: {
        name: "nightly-server-1-1772362800.zip",
        node: "server-1",
        takenAt: "2026-03-01T11:00:00Z",
      },
    });
    expect(await ensurePreUpgradeSnapshot(deps, { ...request, maxAgeMs: 2 * 3600_000 })).toMatchObject({
      state: "Verified",
      snapshot: { name: "nightly-server-1-1772362800.zip" },
    });
    expect(await ensurePreUpgradeSnapshot(deps, { ...request, maxAgeMs: 1800_000 })).toMatchObject({
      state: "Running",
    });
    expect((await port.list(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items).toHaveLength(1);
  });

  it("fails clearly without the policy, and waits without a healthy etcd member", async () => {
    const { deps, port } = await cluster();
    expect(await ensurePreUpgradeSnapshot(deps, { ...request, policyName: "nope" })).toEqual({
      state: "Blocked",
      message: "EtcdSnapshotPolicy nope not found: create it or change spec.snapshot.policyRef",
    });
    await port.patchStatus(
      POD_RESOURCE,
      "etcd-server-1",
      { conditions: [{ type: "Ready", status: "False" }] },
      "kube-system",
    );
    expect(await ensurePreUpgradeSnapshot(deps, request)).toEqual({
      state: "Pending",
      message:
        "cannot start the pre-upgrade snapshot yet: no healthy etcd member: server-1 (etcd pod etcd-server-1 is not Ready)",
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
      return { ...setup, deps: { ...setup.deps, openStore: () => store }, checks };
    }
    const jobs = async (port: MemoryKubePort) =>
      (await port.list<Job>(JOB_RESOURCE, { namespace: "rke2-lifecycle-jobs" })).items;

    it("starts no Job while the policy found its storage unavailable, and sends no request to it", async () => {
      const { deps, port, checks } = await s3Cluster(
        { phase: "Unavailable", message: "connect ECONNREFUSED 127.0.0.1:9" },
        { ok: true, message: "reachable" },
      );
      expect(await ensurePreUpgradeSnapshot(deps, request)).toEqual({
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: connect ECONNREFUSED 127.0.0.1:9",
      });
      expect(await jobs(port)).toEqual([]);
      expect(checks).toEqual([]);
      // Back: the policy's next check says so, and the snapshot starts.
      await port.patchStatus(etcdSnapshotPolicyResource, "nightly", { storage: { phase: "Available", message: "ok" } });
      expect(await ensurePreUpgradeSnapshot(deps, request)).toMatchObject({ state: "Running" });
      expect(await jobs(port)).toHaveLength(1);
    });

    it("checks the storage itself before the Job when the policy last found it available", async () => {
      const { deps, port, checks } = await s3Cluster(
        { phase: "Available", message: "ok" },
        { ok: false, message: "bucket backups does not exist" },
      );
      expect(await ensurePreUpgradeSnapshot(deps, request)).toEqual({
        state: "StorageUnavailable",
        message: "storage of EtcdSnapshotPolicy nightly is unavailable: bucket backups does not exist",
      });
      expect(checks).toEqual(["check"]);
      expect(await jobs(port)).toEqual([]);
    });
  });
});
