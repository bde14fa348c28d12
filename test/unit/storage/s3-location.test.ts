import { describe, expect, it } from "@jest/globals";
import { EtcdSnapshotPolicySpecSchema } from "../../../src/api/etcdsnapshotpolicy.ts";
import { credentialsFromSecret, readEndpointCa } from "../../../src/storage/credentials.ts";
import {
  endpointUrl,
  normaliseFolder,
  objectKeyFor,
  parseS3Url,
  s3LocationFromSpec,
  usesPathStyle,
} from "../../../src/storage/s3-location.ts";
import { describeS3Error } from "../../../src/storage/s3-store.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

describe("S3 location", () => {
  it("reads the spec as RKE2 reads its flags", () => {
    const spec = EtcdSnapshotPolicySpecSchema.parse({
      schedule: "0 * * * *",
      s3: {
        bucket: "bkt",
        endpoint: "https://minio.example:9000/",
        folder: "/prod//a/",
        insecure: true,
        timeout: "90s",
      },
    });
    expect(spec.s3 && s3LocationFromSpec(spec.s3)).toEqual({
      bucket: "bkt",
      endpoint: "minio.example:9000",
      region: "us-east-1",
      folder: "prod/a",
      bucketLookup: "auto",
      insecure: true,
      skipTLSVerify: false,
      timeoutMs: 90_000,
    });
  });

  it.each([
    ["", "x.zip", "x.zip"],
    ["prod", "x.zip", "prod/x.zip"],
  ])("folder %j + %s -> key %s", (folder, file, key) => {
    expect(objectKeyFor({ folder: normaliseFolder(folder) }, file)).toBe(key);
  });

  it.each([
    ["auto", "s3.amazonaws.com", false],
    ["auto", "s3.eu-west-1.amazonaws.com", false],
    ["auto", "storage.googleapis.com", false],
    ["auto", "minio.example:9000", true],
    ["dns", "minio.example:9000", false],
    ["path", "s3.amazonaws.com", true],
  ] as const)("bucket lookup %s on %s: path style %s", (bucketLookup, endpoint, pathStyle) => {
    expect(usesPathStyle({ bucketLookup, endpoint })).toBe(pathStyle);
  });

  it("builds URLs and parses s3:// locations", () => {
    expect(endpointUrl({ endpoint: "h:9000", insecure: true })).toBe("http://h:9000");
    expect(endpointUrl({ endpoint: "h", insecure: false })).toBe("https://h");
    expect(parseS3Url("s3://backups/prod/a.zip")).toEqual({ bucket: "backups", key: "prod/a.zip" });
    expect(parseS3Url("file:///a")).toBeUndefined();
  });

  it("describes errors without secrets and with what to do", () => {
    const denied = Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });
    expect(describeS3Error(denied, { endpoint: "e", bucket: "b" })).toBe(
      "access to bucket b denied (403 AccessDenied): check the credentials Secret and the bucket policy",
    );
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    expect(describeS3Error(refused, { endpoint: "127.0.0.1:9", bucket: "b" })).toBe(
      "S3 127.0.0.1:9 unreachable: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9",
    );
  });
});

describe("credentials", () => {
  const secret = (data: Record<string, string>) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "s", namespace: "ns" },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  });

  it("decodes the keys docs/etcd-snapshots.md names; the session token is optional", () => {
    expect(credentialsFromSecret(secret({ accessKey: "AK", secretKey: "SK\n" }))).toEqual({
      ok: true,
      value: { accessKeyId: "AK", secretAccessKey: "SK" },
    });
    expect(credentialsFromSecret(secret({ accessKey: "AK", secretKey: "SK", sessionToken: "T" }))).toEqual({
      ok: true,
      value: { accessKeyId: "AK", secretAccessKey: "SK", sessionToken: "T" },
    });
  });

  it("names the missing key, never a value", () => {
    const result = credentialsFromSecret(secret({ accessKey: "AKIA-SECRET-LOOKING" }));
    expect(result).toEqual({ ok: false, message: "Secret ns/s has no key secretKey" });
  });

  it("reads a CA bundle from a ConfigMap or Secret and refuses what is not PEM", async () => {
    const port = new MemoryKubePort();
    await port.create({ apiVersion: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true }, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "ca", namespace: "ns" },
      data: { "ca.crt": "-----BEGIN CERTIFICATE-----\nx", bad: "nope" },
    } as never);
    expect(await readEndpointCa(port, "ns", { kind: "ConfigMap", name: "ca", key: "ca.crt" })).toEqual({
      ok: true,
      value: "-----BEGIN CERTIFICATE-----\nx",
    });
    expect(await readEndpointCa(port, "ns", { kind: "ConfigMap", name: "ca", key: "bad" })).toEqual({
      ok: false,
      message: "ConfigMap ns/ca has no PEM certificate under key bad",
    });
    expect(await readEndpointCa(port, "ns", { kind: "Secret", name: "missing", key: "ca.crt" })).toEqual({
      ok: false,
      message: "Secret ns/missing not found",
    });
  });
});
