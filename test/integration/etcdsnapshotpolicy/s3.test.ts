/**
 * A policy with S3 on the simulated cluster and a loopback S3 server (s3rver). The simulator
 * records S3 copies (ETCDSnapshotFile) but uploads nothing, so `playRke2Uploader` puts each
 * recorded S3 copy into the bucket as RKE2's upload would; the operator then finds it there
 * with its own client, credentials from the Secret.
 */
import { afterAll, beforeAll, describe, expect } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { credentialsCopyName } from "../../../src/controllers/etcdsnapshotpolicy/desired.ts";
import { JOB_RESOURCE, OWNER_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { SECRET_RESOURCE, type Secret } from "../../../src/storage/credentials.ts";
import { parseS3Url } from "../../../src/storage/s3-location.ts";
import { savedSnapshotBytes } from "./loopback-s3.ts";
import { itOnSim } from "../../support/lanes.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  condition,
  FastClock,
  getPolicy,
  JOBS_NAMESPACE,
  OPERATOR_NAMESPACE,
  policy,
  startController,
  type RunningController,
} from "./harness.ts";

const ACCESS_KEY = "S3RVER";
const SECRET_KEY = "S3RVER";
const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock });

let server: S3rver | undefined;
let port = 0;
let operator: RunningController | undefined;
let uploader: ReturnType<typeof setInterval> | undefined;
let uploading: Promise<void> = Promise.resolve();
const uploaded = new Set<string>();

async function startS3(): Promise<void> {
  // A fresh directory each start: s3rver does not reliably serve a directory it served before.
  const directory = mkdtempSync(join(tmpdir(), "esp-s3-"));
  server = new S3rver({
    port,
    address: "127.0.0.1",
    silent: true,
    directory,
    configureBuckets: [{ name: "backups", configs: [] }],
  });
  const address = await server.run();
  port = address.port;
}

async function stopS3(): Promise<void> {
  await server?.close();
  server = undefined;
}

function playRke2Uploader(): void {
  const client = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  let busy = false;
  uploader = setInterval(() => {
    if (busy) return;
    busy = true;
    uploading = (async () => {
      if (!server) return;
      const records = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
      for (const record of records) {
        const target = parseS3Url(record.spec.location);
        if (!target || record.status?.readyToUse !== true || uploaded.has(record.spec.location)) continue;
        await client.send(
          new PutObjectCommand({ Bucket: target.bucket, Key: target.key, Body: savedSnapshotBytes(record) }),
        );
        uploaded.add(record.spec.location);
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 100);
}

/** Stops uploading and waits for a PUT in flight, so the server is never stopped mid-upload. */
async function stopUploader(): Promise<void> {
  if (uploader) clearInterval(uploader);
  uploader = undefined;
  await uploading;
}

beforeAll(async () => {
  await startS3();
  playRke2Uploader();
  await sim().port.create<Secret>(SECRET_RESOURCE, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "etcd-s3", namespace: OPERATOR_NAMESPACE },
    data: {
      accessKey: Buffer.from(ACCESS_KEY).toString("base64"),
      secretKey: Buffer.from(SECRET_KEY).toString("base64"),
      unrelated: Buffer.from("x").toString("base64"),
    },
  });
  operator = await startController(sim().operatorPort, clock);
});
afterAll(async () => {
  await stopUploader();
  await operator?.stop();
  await stopS3();
});

describe("EtcdSnapshotPolicy with S3", () => {
  itOnSim("compressedTime")(
    "verifies copies in the bucket, shows S3 outages, retries, and never prunes the last good one",
    async () => {
      await sim().port.create(
        etcdSnapshotPolicyResource,
        policy("offsite", {
          schedule: "* * * * *",
          retention: { count: 2 },
          s3: {
            bucket: "backups",
            endpoint: `127.0.0.1:${port}`,
            insecure: true,
            bucketLookup: "path",
            folder: "prod",
            credentialsSecret: "etcd-s3",
          },
        }),
      );
      const healthy = await waitFor(
        async () => {
          const current = await getPolicy(sim().port, "offsite");
          return current?.status?.lastSuccessfulSnapshot?.location?.startsWith("s3://backups/prod/offsite-") &&
            condition(current, "StorageAvailable")?.status === "True"
            ? current
            : undefined;
        },
        { timeoutMs: 20_000, what: "a verified S3 snapshot" },
      );
      const lastGood = healthy.status?.lastSuccessfulSnapshot?.name ?? "";
      expect(condition(healthy, "Ready")).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });

      // The Jobs read credentials from a managed copy holding only what they need; argv carries none.
      const copy = await sim().port.get<Secret>(SECRET_RESOURCE, credentialsCopyName("offsite"), JOBS_NAMESPACE);
      expect(Object.keys(copy?.data ?? {}).sort()).toEqual(["accessKey", "secretKey"]);
      expect(copy?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "EtcdSnapshotPolicy", name: "offsite" });
      const [job] = (
        await sim().port.list<Job>(JOB_RESOURCE, { namespace: JOBS_NAMESPACE, labelSelector: `${OWNER_LABEL}=offsite` })
      ).items;
      expect(JSON.stringify(job?.spec.template.spec)).toContain(
        '"secretKeyRef":{"name":"etcd-snapshot-s3-offsite","key":"secretKey"}',
      );

      // S3 goes away: RKE2 cannot upload and the bucket cannot be reached.
      sim().cluster.setFaults({ s3Unavailable: true });
      await stopUploader();
      await stopS3();
      const failing = await waitFor(
        async () => {
          const current = await getPolicy(sim().port, "offsite");
          return (current?.status?.consecutiveFailures ?? 0) >= 2 &&
            condition(current, "StorageAvailable")?.status === "False"
            ? current
            : undefined;
        },
        { timeoutMs: 30_000, what: "two failed attempts and storage unavailable" },
      );
      // The storage is the cause: Ready says so first, MESSAGE gives its reason.
      expect(condition(failing, "Ready")).toMatchObject({ status: "False", reason: "StorageUnavailable" });
      expect(failing.status?.message).toMatch(/^storage unavailable: /);
      expect(failing.status?.lastFailure?.message).toMatch(
        /failed to test for existence of bucket backups|not uploaded/,
      );
      expect(failing.status?.storage?.phase).toBe("Unavailable");
      // Events are recorded after the status write of the same reconcile: wait for them, briefly.
      const events = await waitFor(
        async () => {
          const current = (await sim().port.list<CoreEvent>(EVENT_RESOURCE, {})).items.filter(
            (e) => e.involvedObject.name === "offsite",
          );
          const seen = current.map((e) => e.reason);
          return seen.includes("SnapshotFailed") && seen.includes("StorageUnavailable") ? current : undefined;
        },
        { timeoutMs: 10_000, what: "SnapshotFailed and StorageUnavailable events" },
      );
      expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(["SnapshotFailed", "StorageUnavailable"]));
      const failures = await operator?.metrics.registry.getSingleMetricAsString(
        "rke2_lifecycle_snapshot_failures_total",
      );
      expect(failures).toMatch(/policy="offsite"\} [1-9]/);
      // The last verified snapshot is still there, on disk and in S3, whatever retention's count says.
      const records = (await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items.filter(
        (r) => r.spec.snapshotName === lastGood,
      );
      expect(records.map((r) => r.spec.location.slice(0, 5)).sort()).toEqual(["file:", "s3://"]);
      expect(failing.status?.lastSuccessfulSnapshot?.name).toBe(lastGood);
      // Secrets never reach status or events.
      expect(JSON.stringify(failing.status) + JSON.stringify(events)).not.toContain(
        Buffer.from(SECRET_KEY).toString("base64"),
      );

      // S3 comes back: the next attempt succeeds and the storage check turns green.
      sim().cluster.setFaults({ s3Unavailable: false });
      await startS3();
      playRke2Uploader();
      const recovered = await waitFor(
        async () => {
          const current = await getPolicy(sim().port, "offsite");
          return condition(current, "Ready")?.status === "True" &&
            condition(current, "StorageAvailable")?.status === "True"
            ? current
            : undefined;
        },
        { timeoutMs: 30_000, what: "recovery" },
      );
      expect(recovered.status?.consecutiveFailures).toBe(0);
      expect(recovered.status?.lastSuccessfulSnapshot?.name).not.toBe(lastGood);
    },
    90_000,
  );
});
