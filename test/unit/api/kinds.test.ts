import { describe, expect, it } from "@jest/globals";
import { parseAllDocuments } from "yaml";
import * as certRotation from "../../../src/api/certrotation.ts";
import * as snapshotPolicy from "../../../src/api/etcdsnapshotpolicy.ts";
import * as upgradePlan from "../../../src/api/upgradeplan.ts";
import { snapshotSizeBytes } from "../../../src/api/etcdsnapshotfile.ts";
import { API_MD_EXAMPLES } from "./examples.ts";

const parsers: Partial<Record<string, (raw: unknown) => { ok: boolean; message?: string }>> = {
  EtcdSnapshotPolicy: snapshotPolicy.parseEtcdSnapshotPolicySpec,
  CertRotation: certRotation.parseCertRotationSpec,
  UpgradePlan: upgradePlan.parseUpgradePlanSpec,
};

interface Example {
  kind: string;
  spec: unknown;
}
const examples = parseAllDocuments(API_MD_EXAMPLES).map((doc) => doc.toJS() as Example);

describe("the documented examples", () => {
  it.each(examples.map((e) => [e.kind, e] as const))("%s parses", (_kind, example) => {
    const parse = parsers[example.kind];
    expect(parse?.(example.spec)).toMatchObject({ ok: true });
  });
});

const failureOf = (result: { ok: boolean; message?: string }): string => (result.ok ? "" : (result.message ?? ""));

describe("EtcdSnapshotPolicy spec", () => {
  it("fills every documented default", () => {
    expect(snapshotPolicy.parseEtcdSnapshotPolicySpec({ schedule: "0 */12 * * *" })).toEqual({
      ok: true,
      spec: {
        schedule: "0 */12 * * *",
        timeZone: "UTC",
        suspend: false,
        retention: { count: 5 },
        nodes: "OneEtcdNode",
        compress: true,
        startingDeadline: "10m",
        verify: true,
      },
    });
  });

  it("defaults S3 settings", () => {
    const result = snapshotPolicy.parseEtcdSnapshotPolicySpec({
      schedule: "0 * * * *",
      s3: { bucket: "b-1", endpointCA: { name: "ca" } },
    });
    expect(result.ok && result.spec.s3).toEqual({
      bucket: "b-1",
      endpoint: "s3.amazonaws.com",
      region: "us-east-1",
      bucketLookup: "auto",
      insecure: false,
      skipTLSVerify: false,
      endpointCA: { kind: "ConfigMap", name: "ca", key: "ca.crt" },
      timeout: "5m",
    });
  });

  it.each([
    [{}, "spec.schedule"],
    [{ schedule: "every day" }, "spec.schedule: invalid cron schedule"],
    [{ schedule: "61 * * * *" }, "invalid cron schedule"],
    [{ schedule: "0 * * * *", timeZone: "Moon/Base" }, "spec.timeZone: unknown time zone"],
    [{ schedule: "0 * * * *", retention: { count: 0 } }, "spec.retention.count"],
    [{ schedule: "0 * * * *", retention: { count: -3 } }, "spec.retention.count"],
    [{ schedule: "0 * * * *", retention: { maxAge: "7d" } }, "spec.retention.maxAge: must be a duration"],
    [{ schedule: "0 * * * *", nodes: "EveryNode" }, "spec.nodes"],
    [{ schedule: "0 * * * *", s3: {} }, "spec.s3.bucket"],
    [{ schedule: "0 * * * *", startingDeadline: "soon" }, "spec.startingDeadline: must be a duration"],
    [null, "spec"],
    ["text", "spec"],
  ])("rejects %j with a clear message", (spec, fragment) => {
    const result = snapshotPolicy.parseEtcdSnapshotPolicySpec(spec);
    expect(result.ok).toBe(false);
    expect(failureOf(result)).toContain(fragment);
    expect(failureOf(result)).not.toContain("\n");
  });
});

describe("CertRotation spec", () => {
  it("an absent spec means every default", () => {
    expect(certRotation.parseCertRotationSpec(undefined)).toEqual({
      ok: true,
      spec: {
        renewBefore: "720h",
        warnBefore: "672h",
        criticalBefore: "336h",
        checkInterval: "6h",
        paused: false,
        healthGate: { timeout: "15m", settle: "30s" },
        concurrency: { agents: 1 },
      },
    });
  });

  it("accepts known services and percentages", () => {
    expect(
      certRotation.parseCertRotationSpec({
        services: ["etcd", "kubelet", "api-server"],
        concurrency: { agents: "25%" },
      }).ok,
    ).toBe(true);
  });

  it.each([
    [{ services: ["etcd", "kubelets"] }, "spec.services[1]"],
    [{ renewBefore: "30d" }, "spec.renewBefore: must be a duration"],
    [{ warnBefore: "100h", criticalBefore: "200h" }, "spec.criticalBefore: must not be longer than warnBefore"],
    [{ concurrency: { agents: 0 } }, "spec.concurrency.agents"],
    [{ window: { startTime: "02:00", endTime: "02:00" } }, "spec.window.endTime: startTime and endTime must differ"],
  ])("rejects %j with a clear message", (spec, fragment) => {
    expect(failureOf(certRotation.parseCertRotationSpec(spec))).toContain(fragment);
  });
});

describe("UpgradePlan spec", () => {
  it("fills every documented default", () => {
    const result = upgradePlan.parseUpgradePlanSpec({ version: "v1.31.4+rke2r1" });
    expect(result.ok && result.spec).toMatchObject({
      paused: false,
      snapshot: { required: true },
      skew: { allowMinorSkip: false, allowDowngrade: false },
      concurrency: { controlPlane: 1, workers: 1 },
      drain: { controlPlane: { enabled: false, timeout: "10m" }, workers: { enabled: true, gracePeriodSeconds: -1 } },
      healthGate: { timeout: "15m", settle: "30s" },
      upgradeImage: "rancher/rke2-upgrade",
      failurePolicy: { maxAttemptsPerNode: 2 },
    });
  });

  it.each([
    [{}, "exactly one of version or channel must be set"],
    [
      { version: "v1.31.4+rke2r1", channel: "https://update.rke2.io/v1-release/channels/stable" },
      "exactly one of version or channel",
    ],
    [{ version: "1.31.4" }, "spec.version: must be an RKE2 version"],
    [{ channel: "stable" }, "spec.channel: must be an http(s) URL"],
    [{ version: "v1.31.4+rke2r1", concurrency: { workers: "150%" } }, "spec.concurrency.workers"],
    [{ version: "v1.31.4+rke2r1", failurePolicy: { maxAttemptsPerNode: 0 } }, "spec.failurePolicy.maxAttemptsPerNode"],
    [{ version: "v1.31.4+rke2r1", snapshot: { policyRef: "Not_A_Name" } }, "spec.snapshot.policyRef"],
  ])("rejects %j with a clear message", (spec, fragment) => {
    expect(failureOf(upgradePlan.parseUpgradePlanSpec(spec))).toContain(fragment);
  });
});

describe("ETCDSnapshotFile size", () => {
  it.each([
    [12345, 12345],
    ["12345", 12345],
    ["16Mi", 16 * 2 ** 20],
    ["2k", 2000],
    [undefined, undefined],
    ["lots", undefined],
  ])("%j is %j bytes", (size, bytes) => {
    expect(snapshotSizeBytes(size)).toBe(bytes);
  });
});
