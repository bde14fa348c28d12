/**
 * The copy of the S3 credentials Secret that node Jobs read in the jobs namespace follows the
 * user's Secret in the operator's namespace: when the user rotates the keys, the operator patches
 * the copy in place (same object, new data, keys that went away removed), and its own client
 * uses the new keys too. s3rver on loopback knows one key pair only, so the policy starts with
 * keys it rejects and the rotation is to the ones it accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { credentialsCopyName } from "../../../src/controllers/etcdsnapshotpolicy/desired.ts";
import { SECRET_RESOURCE, type Secret } from "../../../src/storage/credentials.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  condition,
  FastClock,
  getPolicy,
  JOBS_NAMESPACE,
  OPERATOR_NAMESPACE,
  operatorRequests,
  policy,
  startController,
  type RunningController,
} from "./harness.ts";
import { S3RVER_KEY, startLoopbackS3, type LoopbackS3 } from "./loopback-s3.ts";

const BUCKET = "backups";
const SOURCE = "etcd-s3";
const COPY = credentialsCopyName("rotating");
const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock });

let s3: LoopbackS3 | undefined;
let operator: RunningController | undefined;

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const OLD = { accessKey: b64("RETIRED-KEY"), secretKey: b64("retired-secret"), sessionToken: b64("retired-token") };
const NEW = { accessKey: b64(S3RVER_KEY), secretKey: b64(S3RVER_KEY) };

async function copyInJobsNamespace(): Promise<Secret | undefined> {
  return sim().port.get<Secret>(SECRET_RESOURCE, COPY, JOBS_NAMESPACE);
}

function patchesOfCopy(): number {
  return operatorRequests(sim(), {
    verb: "patch",
    group: "",
    resource: "secrets",
    namespace: JOBS_NAMESPACE,
    name: COPY,
  });
}

beforeAll(async () => {
  s3 = await startLoopbackS3({ bucket: BUCKET });
  await sim().port.create<Secret>(SECRET_RESOURCE, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SOURCE, namespace: OPERATOR_NAMESPACE },
    data: { ...OLD, unrelated: b64("not for the Jobs") },
  });
  operator = await startController(sim().operatorPort, clock);
});
afterAll(async () => {
  await operator?.stop();
  await s3?.stop();
});

describe("EtcdSnapshotPolicy credentials Secret copy", () => {
  it("patches the jobs-namespace copy when the source Secret changes; the operator uses the new keys", async () => {
    // A schedule that does not fire during the test: what is exercised is the storage check,
    // which (while storage is down) runs every minute, re-reading the Secret each time.
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("rotating", {
        schedule: "0 0 1 1 *",
        s3: {
          bucket: BUCKET,
          endpoint: s3?.endpoint ?? "",
          insecure: true,
          bucketLookup: "path",
          credentialsSecret: SOURCE,
        },
      }),
    );

    // The old keys: copied as they are (without the unrelated key), and refused by the bucket.
    const before = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, "rotating");
        return condition(current, "StorageAvailable")?.status === "False" ? current : undefined;
      },
      { timeoutMs: 20_000, what: "storage unavailable with the retired keys" },
    );
    expect(before.status?.storage?.message).toMatch(
      new RegExp(`^access to bucket ${BUCKET} denied \\(403 \\w+\\): check the credentials Secret`),
    );
    const original = await copyInJobsNamespace();
    expect(original?.data).toEqual(OLD);
    const patchesBefore = patchesOfCopy();

    // The user rotates the keys (and drops the session token) in the source Secret.
    await sim().port.mergePatch<Secret>(
      SECRET_RESOURCE,
      SOURCE,
      { data: { ...NEW, sessionToken: null } },
      OPERATOR_NAMESPACE,
    );

    const rotated = await waitFor(
      async () => {
        const copy = await copyInJobsNamespace();
        return copy?.data?.accessKey === NEW.accessKey ? copy : undefined;
      },
      { timeoutMs: 20_000, what: "the copy to carry the new keys" },
    );
    expect(rotated.data).toEqual(NEW);
    // Patched in place, not replaced: the Jobs' reference and the owner reference stay valid.
    expect(rotated.metadata.uid).toBe(original?.metadata.uid);
    expect(rotated.metadata.resourceVersion).not.toBe(original?.metadata.resourceVersion);
    expect(rotated.metadata.ownerReferences?.[0]).toMatchObject({ kind: "EtcdSnapshotPolicy", name: "rotating" });
    const patchesAfter = patchesOfCopy();
    expect(patchesAfter).toBeGreaterThan(patchesBefore);

    // The operator's own S3 client picks up the new keys as well: the bucket lets it in.
    const recovered = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, "rotating");
        return condition(current, "StorageAvailable")?.status === "True" ? current : undefined;
      },
      { timeoutMs: 20_000, what: "storage available with the new keys" },
    );
    expect(recovered.status?.storage?.message).toContain(
      `s3://${BUCKET}/ at ${s3?.endpoint ?? ""} is reachable and listable`,
    );
    // No key, old or new, reaches status.
    for (const secret of ["retired-secret", OLD.secretKey, S3RVER_KEY, NEW.secretKey])
      expect(JSON.stringify([before.status, recovered.status])).not.toContain(secret);
  }, 60_000);
});
