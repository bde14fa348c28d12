/**
 * `spec.s3.endpointCA`: an S3 endpoint (s3rver on loopback) that speaks only HTTPS, with a
 * certificate from a CA generated here and trusted by nothing else. The operator reads the CA
 * from the ConfigMap the policy names, in its own namespace, and trusts exactly that: storage
 * checks and snapshot verification (HeadObject) succeed over HTTPS with it, and fail, visibly,
 * without it, with another CA, or when the ConfigMap is missing or holds no certificate.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { credentialsCopyName } from "../../../src/controllers/etcdsnapshotpolicy/desired.ts";
import { JOB_RESOURCE, OWNER_LABEL, type Job } from "../../../src/nodeops/job.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import {
  etcdSnapshotPolicyResource,
  type EtcdSnapshotPolicy,
  type EtcdSnapshotPolicySpecInput,
} from "../../../src/api/etcdsnapshotpolicy.ts";
import { CONFIGMAP_RESOURCE, SECRET_RESOURCE, type ConfigMap, type Secret } from "../../../src/storage/credentials.ts";
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
import { createTestCa } from "./tls.ts";

const BUCKET = "backups";
const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock });
const trusted = createTestCa("esp-test-s3-ca");
const stranger = createTestCa("esp-test-other-ca");
/** What a person reads when the endpoint's certificate does not verify against what the operator trusts. */
const UNTRUSTED = new RegExp(
  String.raw`^S3 127\.0\.0\.1:\d+ presented a TLS certificate that does not verify ` +
    String.raw`\(.*unable to verify the first certificate\): check spec\.s3\.endpointCA`,
);
/** A schedule that does not fire during the test: such policies only run storage checks. */
const NEVER_DURING_TEST = "0 0 1 1 *";

let s3: LoopbackS3 | undefined;
let operator: RunningController | undefined;

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");

async function createConfigMap(name: string, data: Record<string, string>): Promise<void> {
  await sim().port.create<ConfigMap>(CONFIGMAP_RESOURCE, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: OPERATOR_NAMESPACE },
    data,
  });
}

type EndpointCa = NonNullable<EtcdSnapshotPolicySpecInput["s3"]>["endpointCA"];

function s3Spec(folder: string, endpointCA: EndpointCa): NonNullable<EtcdSnapshotPolicySpecInput["s3"]> {
  return {
    bucket: BUCKET,
    endpoint: s3?.endpoint ?? "",
    bucketLookup: "path",
    folder,
    credentialsSecret: "etcd-s3",
    ...(endpointCA ? { endpointCA } : {}),
  };
}

async function storageVerdict(name: string, status: "True" | "False"): Promise<EtcdSnapshotPolicy> {
  return waitFor(
    async () => {
      const current = await getPolicy(sim().port, name);
      return condition(current, "StorageAvailable")?.status === status ? current : undefined;
    },
    { timeoutMs: 20_000, what: `StorageAvailable=${status} on ${name}` },
  );
}

beforeAll(async () => {
  s3 = await startLoopbackS3({
    bucket: BUCKET,
    tls: { serving: trusted.issue("s3.loopback", ["127.0.0.1"]) },
    records: sim().port,
  });
  await sim().port.create<Secret>(SECRET_RESOURCE, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "etcd-s3", namespace: OPERATOR_NAMESPACE },
    data: { accessKey: b64(S3RVER_KEY), secretKey: b64(S3RVER_KEY) },
  });
  await createConfigMap("s3-ca", { "ca.crt": trusted.certPem });
  await createConfigMap("other-ca", { "ca.crt": stranger.certPem });
  await createConfigMap("not-a-ca", { "ca.crt": "this is not a certificate" });
  operator = await startController(sim().operatorPort, clock);
});
afterAll(async () => {
  await operator?.stop();
  await s3?.stop();
});

describe("EtcdSnapshotPolicy with an HTTPS endpoint and spec.s3.endpointCA", () => {
  it("trusts the CA from the named ConfigMap: storage available, snapshots verified in the bucket", async () => {
    await sim().port.create(
      etcdSnapshotPolicyResource,
      policy("tls", { schedule: "* * * * *", retention: { count: 2 }, s3: s3Spec("prod", { name: "s3-ca" }) }),
    );
    let lastSeen: EtcdSnapshotPolicy | undefined;
    const verified = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, "tls");
        lastSeen = current;
        return current?.status?.lastSuccessfulSnapshot?.location?.startsWith(`s3://${BUCKET}/prod/tls-`) &&
          condition(current, "StorageAvailable")?.status === "True"
          ? current
          : undefined;
      },
      { timeoutMs: 30_000, what: "a snapshot verified over HTTPS" },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last status: ${JSON.stringify(lastSeen?.status)}`, { cause: err });
    });
    expect(condition(verified, "Ready")).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });
    expect(verified.status?.storage).toMatchObject({
      phase: "Available",
      message: expect.stringContaining(`s3://${BUCKET}/prod/ at ${s3?.endpoint ?? ""} is reachable and listable`),
    });
    // What the operator confirmed (HeadObject) is what the stand-in for RKE2 put there.
    expect(s3?.uploaded.has(verified.status?.lastSuccessfulSnapshot?.location ?? "")).toBe(true);

    // The node Jobs get the same CA, through the copy in their namespace, mounted as a file.
    const copy = await sim().port.get<Secret>(SECRET_RESOURCE, credentialsCopyName("tls"), JOBS_NAMESPACE);
    expect(copy?.data).toEqual({
      accessKey: b64(S3RVER_KEY),
      secretKey: b64(S3RVER_KEY),
      "ca.crt": b64(trusted.certPem),
    });
    const [job] = (
      await sim().port.list<Job>(JOB_RESOURCE, { namespace: JOBS_NAMESPACE, labelSelector: `${OWNER_LABEL}=tls` })
    ).items;
    expect(job?.spec.template.spec.volumes).toEqual(
      expect.arrayContaining([
        {
          name: "s3-ca",
          secret: expect.objectContaining({
            secretName: credentialsCopyName("tls"),
            items: [{ key: "ca.crt", path: "ca.crt" }],
          }),
        },
      ]),
    );

    // The CA came from a GET of that ConfigMap in the operator's namespace, by the operator's own client.
    const gets = operatorRequests(sim(), {
      verb: "get",
      group: "",
      resource: "configmaps",
      namespace: OPERATOR_NAMESPACE,
      name: "s3-ca",
    });
    expect(gets).toBeGreaterThan(0);
  }, 60_000);

  it("reports storage unavailable, with the reason: no CA, another CA, an unusable reference", async () => {
    // These only check storage, in a folder of their own (see loopback-s3.ts on s3rver's listings).
    const cases: [string, EndpointCa, RegExp][] = [
      // Neither the system's trust store nor another CA vouches for the server's certificate.
      ["tls-no-ca", undefined, UNTRUSTED],
      ["tls-other-ca", { kind: "ConfigMap", name: "other-ca" }, UNTRUSTED],
      ["tls-missing-ca", { name: "absent-ca" }, new RegExp(`^ConfigMap ${OPERATOR_NAMESPACE}/absent-ca not found$`)],
      [
        "tls-not-a-ca",
        { name: "not-a-ca" },
        new RegExp(`^ConfigMap ${OPERATOR_NAMESPACE}/not-a-ca has no PEM certificate under key ca\\.crt$`),
      ],
      [
        "tls-wrong-key",
        { name: "s3-ca", key: "bundle.pem" },
        new RegExp(`^ConfigMap ${OPERATOR_NAMESPACE}/s3-ca has no PEM certificate under key bundle\\.pem$`),
      ],
    ];
    for (const [name, endpointCA] of cases) {
      await sim().port.create(
        etcdSnapshotPolicyResource,
        policy(name, { schedule: NEVER_DURING_TEST, s3: s3Spec("checks", endpointCA) }),
      );
    }
    for (const [name, , reason] of cases) {
      const failing = await storageVerdict(name, "False");
      expect(failing.status?.storage?.phase).toBe("Unavailable");
      expect(failing.status?.storage?.message).toMatch(reason);
      expect(condition(failing, "StorageAvailable")?.message).toMatch(reason);
      expect(failing.status?.storage?.message).not.toContain("--use-system-ca");
    }
    const events = await waitFor(
      async () => {
        const unavailable = (await sim().port.list<CoreEvent>(EVENT_RESOURCE, {})).items.filter(
          (e) => e.reason === "StorageUnavailable",
        );
        return cases.every(([name]) => unavailable.some((e) => e.involvedObject.name === name))
          ? unavailable
          : undefined;
      },
      { timeoutMs: 10_000, what: "a StorageUnavailable event for each policy" },
    );
    expect(events.find((e) => e.involvedObject.name === "tls-other-ca")?.type).toBe("Warning");

    // Each reference was looked up where docs/etcd-snapshots.md says: in the operator's namespace, by name.
    for (const name of ["other-ca", "absent-ca", "not-a-ca"]) {
      const gets = operatorRequests(sim(), {
        verb: "get",
        group: "",
        resource: "configmaps",
        namespace: OPERATOR_NAMESPACE,
        name,
      });
      expect(gets).toBeGreaterThan(0);
    }

    // The ConfigMap is read on every check: once it holds the right CA, storage comes back.
    await sim().port.mergePatch<ConfigMap>(
      CONFIGMAP_RESOURCE,
      "other-ca",
      { data: { "ca.crt": trusted.certPem } },
      OPERATOR_NAMESPACE,
    );
    const recovered = await storageVerdict("tls-other-ca", "True");
    expect(recovered.status?.storage?.message).toContain(
      `s3://${BUCKET}/checks/ at ${s3?.endpoint ?? ""} is reachable and listable`,
    );
  }, 60_000);
});
