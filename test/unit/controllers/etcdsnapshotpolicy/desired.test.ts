import { describe, expect, it } from "@jest/globals";
import { EtcdSnapshotPolicySpecSchema } from "../../../../src/api/etcdsnapshotpolicy.ts";
import {
  credentialsCopyName,
  deleteJob,
  saveJob,
  secretCopy,
} from "../../../../src/controllers/etcdsnapshotpolicy/desired.ts";
import { RUN_ANNOTATION } from "../../../../src/controllers/etcdsnapshotpolicy/runs.ts";
import { parseSnapshotDeleteArgs, parseSnapshotSaveArgs } from "../../../../src/nodeops/agent-args.ts";

const owner = { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "EtcdSnapshotPolicy", name: "nightly", uid: "u1" };
const config = { namespace: "rke2-lifecycle-jobs", image: "op:1" };
const spec = EtcdSnapshotPolicySpecSchema.parse({
  schedule: "0 * * * *",
  s3: {
    bucket: "backups",
    folder: "prod",
    endpoint: "minio.example:9000",
    bucketLookup: "path",
    credentialsSecret: "etcd-s3",
    endpointCA: { name: "minio-ca" },
    timeout: "2m",
  },
});

type Container = {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts: { name: string; mountPath: string }[];
};

describe("saveJob", () => {
  const job = saveJob({
    owner,
    policyName: "nightly",
    spec,
    snapshotName: "nightly",
    node: "etcd-1",
    identity: "slot/2026-03-01T00:00:00Z",
    config,
    ttlSecondsAfterFinished: 4200,
  });
  const podSpec = job.spec.template.spec as { containers: Container[]; volumes: { name: string }[]; nodeName: string };
  const container = podSpec.containers[0];

  it("is a deterministic node Job per run and node, annotated with its run", () => {
    expect(job.metadata.name).toBe(
      saveJob({
        owner,
        policyName: "nightly",
        spec,
        snapshotName: "nightly",
        node: "etcd-1",
        identity: "slot/2026-03-01T00:00:00Z",
        config,
        ttlSecondsAfterFinished: 1,
      }).metadata.name,
    );
    expect(job.metadata.name).toMatch(/^snapshot-save-nightly-etcd-1-[0-9a-f]{10}$/);
    expect(job.metadata.annotations?.[RUN_ANNOTATION]).toBe("slot/2026-03-01T00:00:00Z");
    expect(podSpec.nodeName).toBe("etcd-1");
    // Two CLI requests (save, ls), each up to 2 minutes plus the S3 timeout, and a minute to start.
    expect(job.spec.activeDeadlineSeconds).toBe(2 * (120 + 120) + 60);
    expect(job.spec.ttlSecondsAfterFinished).toBe(4200);
  });

  it("passes the S3 settings as node-agent flags the agent parses back, the CA as a mounted file", () => {
    const parsed = parseSnapshotSaveArgs(container?.args ?? []);
    expect(parsed).toEqual({
      ok: true,
      options: {
        name: "nightly",
        compress: true,
        s3: {
          bucket: "backups",
          endpoint: "minio.example:9000",
          region: "us-east-1",
          folder: "prod",
          endpointCa: "/run/rke2-lifecycle/s3/ca.crt",
          timeout: "2m",
          bucketLookupType: "path",
        },
      },
    });
    expect(container?.volumeMounts).toContainEqual({
      name: "s3-ca",
      mountPath: "/run/rke2-lifecycle/s3",
      readOnly: true,
    });
    expect(podSpec.volumes.map((v) => v.name)).toContain("s3-ca");
  });

  it("takes credentials from the Secret copy through env, never argv", () => {
    expect(container?.env).toEqual([
      { name: "NODE_NAME", value: "etcd-1" },
      {
        name: "AWS_ACCESS_KEY_ID",
        valueFrom: { secretKeyRef: { name: "etcd-snapshot-s3-nightly", key: "accessKey" } },
      },
      {
        name: "AWS_SECRET_ACCESS_KEY",
        valueFrom: { secretKeyRef: { name: "etcd-snapshot-s3-nightly", key: "secretKey" } },
      },
      {
        name: "AWS_SESSION_TOKEN",
        valueFrom: { secretKeyRef: { name: "etcd-snapshot-s3-nightly", key: "sessionToken", optional: true } },
      },
    ]);
  });
});

describe("deleteJob", () => {
  it("deletes sorted names on one node, with the same name for the same set", () => {
    const a = deleteJob({ owner, spec, node: "server-1", names: ["b", "a"], config });
    const b = deleteJob({ owner, spec, node: "server-1", names: ["a", "b"], config });
    expect(a.metadata.name).toBe(b.metadata.name);
    const args = (a.spec.template.spec as { containers: Container[] }).containers[0]?.args ?? [];
    expect(parseSnapshotDeleteArgs(args)).toMatchObject({
      ok: true,
      options: { names: ["a", "b"], s3: { bucket: "backups" } },
    });
    expect(a.spec.ttlSecondsAfterFinished).toBe(300);
  });
});

describe("secretCopy", () => {
  it("copies only the credential keys and the CA, owned by the policy and labelled managed", () => {
    const copy = secretCopy({
      owner,
      namespace: "rke2-lifecycle-jobs",
      source: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "etcd-s3" },
        data: { accessKey: "QUs=", secretKey: "U0s=", other: "eA==" },
      },
      caPem: "-----BEGIN CERTIFICATE-----\n",
    });
    expect(copy.metadata).toMatchObject({
      name: credentialsCopyName("nightly"),
      namespace: "rke2-lifecycle-jobs",
      labels: { "app.kubernetes.io/managed-by": "rke2-lifecycle-operator" },
    });
    expect(copy.metadata.ownerReferences).toEqual([{ ...owner, controller: true, blockOwnerDeletion: true }]);
    expect(Object.keys(copy.data ?? {}).sort()).toEqual(["accessKey", "ca.crt", "secretKey"]);
  });
});
