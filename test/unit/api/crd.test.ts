import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { crdDrift, operatorCrds, renderCrdYaml, writeCrdFiles } from "../../../src/api/crd-files.ts";
import type { CustomResourceDefinition } from "../../../src/api/crd.ts";
import { etcdSnapshotFileCrd } from "../../../src/api/etcdsnapshotfile.ts";
import { applyDefaults, checkCelCostBounds, checkStructural, prune, validate } from "../../../src/kube-schema/index.ts";
import type { JSONSchemaProps } from "../../../src/kube-schema/index.ts";
import { API_MD_EXAMPLES } from "./examples.ts";
import { CRD_REFUSALS } from "../../support/bad-specs.ts";

const crds = operatorCrds();
const schemaOf = (crd: CustomResourceDefinition): JSONSchemaProps => crd.spec.versions[0]!.schema.openAPIV3Schema;
const crdFor = (kind: string): CustomResourceDefinition => {
  const found = crds.find((c) => c.spec.names.kind === kind);
  if (found === undefined) throw new Error(`no CRD for ${kind}`);
  return found;
};

/** What the API server does to a created object: prune, default, validate. */
function admit(kind: string, object: Record<string, unknown>) {
  const schema = schemaOf(crdFor(kind));
  const { value, pruned } = prune(schema, object);
  const defaulted = applyDefaults(schema, value) as { spec: Record<string, unknown> };
  return { pruned, defaulted, issues: validate(schema, defaulted) };
}

const cr = (kind: string, spec: unknown) => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind,
  metadata: { name: "t" },
  spec,
});

describe("rendered CRDs", () => {
  it.each([...crds, etcdSnapshotFileCrd].map((c) => [c.metadata.name, c] as const))(
    "%s is structural and in CEL budget",
    (_n, crd) => {
      expect(checkStructural(schemaOf(crd))).toEqual([]);
      expect(checkCelCostBounds(schemaOf(crd))).toEqual([]);
    },
  );

  it.each([
    [
      "EtcdSnapshotPolicy",
      "etcdsnapshotpolicies",
      ["esp"],
      ["SCHEDULE", "LAST-SUCCESS", "NEXT", "SNAPSHOTS", "STORAGE", "READY", "AGE", "MESSAGE"],
    ],
    [
      "CertRotation",
      "certrotations",
      ["certrot"],
      ["EARLIEST-EXPIRY", "PHASE", "ROTATING", "READY", "ETA", "AGE", "MESSAGE"],
    ],
    [
      "UpgradePlan",
      "upgradeplans",
      ["uplan"],
      ["TARGET", "PHASE", "TIER", "PROGRESS", "READY", "NODES", "LOCK", "ETA", "AGE", "MESSAGE"],
    ],
  ])(
    "%s: cluster-scoped, plural %s, short names, category rke2, status subresource, columns",
    (kind, plural, shortNames, columns) => {
      const crd = crdFor(kind);
      expect(crd.metadata.name).toBe(`${plural}.rke2-lifecycle.io`);
      expect(crd.spec.scope).toBe("Cluster");
      expect(crd.spec.names).toMatchObject({ plural, shortNames, categories: ["rke2"], listKind: `${kind}List` });
      const version = crd.spec.versions[0]!;
      expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
      expect(version.additionalPrinterColumns?.map((c) => c.name)).toEqual(columns);
    },
  );

  it("date columns point at timestamps", () => {
    const columns = crdFor("EtcdSnapshotPolicy").spec.versions[0]!.additionalPrinterColumns ?? [];
    expect(columns.find((c) => c.name === "LAST-SUCCESS")).toMatchObject({
      type: "date",
      jsonPath: ".status.lastSuccessfulSnapshot.takenAt",
    });
  });

  it("NEXT is a string column: kubectl renders a future date column as <invalid>", () => {
    const columns = crdFor("EtcdSnapshotPolicy").spec.versions[0]!.additionalPrinterColumns ?? [];
    expect(columns.find((c) => c.name === "NEXT")).toMatchObject({
      type: "string",
      jsonPath: ".status.nextScheduleTime",
    });
  });

  it("conditions are a map list keyed by type", () => {
    const conditions = schemaOf(crdFor("UpgradePlan")).properties?.status?.properties?.conditions;
    expect(conditions).toMatchObject({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] });
    expect(conditions?.items?.required).toContain("type");
  });

  it("int-or-string fields use the one anyOf Kubernetes allows", () => {
    const workers = schemaOf(crdFor("UpgradePlan")).properties?.spec?.properties?.concurrency?.properties?.workers;
    expect(workers).toMatchObject({
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
    });
    expect(workers?.type).toBeUndefined();
  });

  it("renders one YAML stream that parses back to the CRDs", () => {
    const docs = parseAllDocuments(renderCrdYaml()).map((d) => d.toJS() as unknown);
    expect(docs).toEqual(crds);
    expect(renderCrdYaml()).toBe(renderCrdYaml());
  });
});

describe("crds/ in the repository", () => {
  it("has no drift from src/api", () => {
    expect(crdDrift("crds")).toEqual([]);
  });

  it("drift names changed, missing and stale files", () => {
    const dir = mkdtempSync(join(tmpdir(), "crds-"));
    expect(crdDrift(dir)).toHaveLength(3);
    const written = writeCrdFiles(dir);
    expect(crdDrift(dir)).toEqual([]);
    const first = join(dir, written[0]!);
    writeFileSync(first, readFileSync(first, "utf8").replace("served: true", "served: false"));
    writeFileSync(join(dir, "rke2-lifecycle.io_oldkinds.yaml"), "{}\n");
    expect(crdDrift(dir)).toEqual([written[0], "rke2-lifecycle.io_oldkinds.yaml"].sort());
  });
});

describe("the API server's view of our CRDs", () => {
  const examples = parseAllDocuments(API_MD_EXAMPLES).map(
    (d) => d.toJS() as Record<string, unknown> & { kind: string },
  );

  it.each(examples.map((e) => [e.kind, e] as const))(
    "the documented example %s is admitted unchanged",
    (kind, example) => {
      const { pruned, issues } = admit(kind, example);
      expect(pruned).toEqual([]);
      expect(issues).toEqual([]);
    },
  );

  it.each([
    ["EtcdSnapshotPolicy", { schedule: "0 * * * *" }],
    ["CertRotation", {}],
    ["UpgradePlan", { version: "v1.31.4+rke2r1" }],
  ])("%s names longer than a label value (63) are refused at admission", (kind, spec) => {
    const named = (name: string) => ({ ...cr(kind, spec), metadata: { name } });
    expect(admit(kind, named("a".repeat(63))).issues).toEqual([]);
    expect(admit(kind, named("a".repeat(64))).issues).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "",
        message:
          'Invalid value: "object": metadata.name must be at most 63 characters: ' +
          "the operator uses it as a label value on its node Jobs",
      },
    ]);
  });

  it("defaults a minimal EtcdSnapshotPolicy as docs/etcd-snapshots.md says", () => {
    const { defaulted, issues } = admit(
      "EtcdSnapshotPolicy",
      cr("EtcdSnapshotPolicy", { schedule: "0 * * * *", s3: { bucket: "bkt" } }),
    );
    expect(issues).toEqual([]);
    expect(defaulted.spec).toEqual({
      schedule: "0 * * * *",
      timeZone: "UTC",
      suspend: false,
      retention: { count: 5 },
      nodes: "OneEtcdNode",
      compress: true,
      startingDeadline: "10m",
      verify: true,
      s3: {
        bucket: "bkt",
        endpoint: "s3.amazonaws.com",
        region: "us-east-1",
        bucketLookup: "auto",
        insecure: false,
        skipTLSVerify: false,
        timeout: "5m",
      },
    });
  });

  it("defaults a CertRotation without spec", () => {
    const { defaulted } = admit("CertRotation", {
      apiVersion: "rke2-lifecycle.io/v1alpha1",
      kind: "CertRotation",
      metadata: { name: "d" },
    });
    expect(defaulted.spec).toEqual({
      renewBefore: "720h",
      warnBefore: "672h",
      criticalBefore: "336h",
      checkInterval: "6h",
      paused: false,
      healthGate: { timeout: "15m", settle: "30s" },
      concurrency: { agents: 1 },
    });
  });

  it("defaults UpgradePlan drains per tier", () => {
    const { defaulted } = admit("UpgradePlan", cr("UpgradePlan", { version: "v1.31.4+rke2r1" }));
    expect(defaulted.spec).toMatchObject({
      drain: {
        controlPlane: { enabled: false },
        workers: { enabled: true, deleteEmptyDirData: true, ignoreDaemonSets: true },
      },
      concurrency: { controlPlane: 1, workers: 1 },
      snapshot: { required: true },
      upgradeImage: "rancher/rke2-upgrade",
    });
  });

  it.each([[{ version: "v1.31.4+rke2r1", channel: "https://update.rke2.io/v1-release/channels/stable" }], [{}]])(
    "CEL rejects UpgradePlan spec %j: exactly one of version or channel",
    (spec) => {
      expect(admit("UpgradePlan", cr("UpgradePlan", spec)).issues).toEqual([
        {
          reason: "FieldValueInvalid",
          field: "spec",
          message: 'Invalid value: "object": exactly one of version or channel must be set',
        },
      ]);
    },
  );

  it.each(CRD_REFUSALS)("$kind spec $spec is refused at $fields.0 ($reason)", ({ kind, spec, fields, reason }) => {
    expect(admit(kind, cr(kind, spec)).issues).toContainEqual(expect.objectContaining({ field: fields[0], reason }));
  });

  it("refuses a wrongly typed int-or-string", () => {
    const spec = { version: "v1.31.4+rke2r1", concurrency: { workers: true } };
    expect(admit("UpgradePlan", cr("UpgradePlan", spec)).issues).toContainEqual(
      expect.objectContaining({ field: "spec.concurrency.workers", reason: "FieldValueTypeInvalid" }),
    );
  });

  it("prunes unknown fields and reports them", () => {
    const { pruned, defaulted } = admit(
      "EtcdSnapshotPolicy",
      cr("EtcdSnapshotPolicy", { schedule: "0 * * * *", retension: { count: 1 } }),
    );
    expect(pruned).toEqual(["spec.retension"]);
    expect(defaulted.spec).not.toHaveProperty("retension");
  });
});
