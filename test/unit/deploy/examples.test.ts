import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { operatorCrds } from "../../../src/api/crd-files.ts";
import { parseCertRotationSpec } from "../../../src/api/certrotation.ts";
import { parseEtcdSnapshotPolicySpec } from "../../../src/api/etcdsnapshotpolicy.ts";
import { parseUpgradePlanSpec } from "../../../src/api/upgradeplan.ts";
import { applyDefaults, prune, validate, type JSONSchemaProps } from "../../../src/kube-schema/index.ts";
import { API_MD_EXAMPLES } from "../api/examples.ts";
import { REPO_ROOT, RELEASE_NAMESPACE } from "../charts/render.ts";

const DIR = join(REPO_ROOT, "deploy/examples");
const read = (
  file: string,
): Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } } =>
  parse(readFileSync(join(DIR, file), "utf8")) as never;
const PARSERS: Record<string, (spec: unknown) => { ok: boolean }> = {
  EtcdSnapshotPolicy: parseEtcdSnapshotPolicySpec,
  CertRotation: parseCertRotationSpec,
  UpgradePlan: parseUpgradePlanSpec,
};
const crs = ["etcdsnapshotpolicy.yaml", "upgradeplan.yaml", "certrotation.yaml"].map(read);

describe("deploy/examples", () => {
  it("ships the examples of the API reference, one file per kind", () => {
    const reference = parseAllDocuments(API_MD_EXAMPLES).map((doc) => doc.toJS() as unknown);
    expect(crs).toEqual(reference);
    expect(readdirSync(DIR).sort()).toEqual([
      "certrotation.yaml",
      "etcdsnapshotpolicy.yaml",
      "s3-credentials.secret.yaml",
      "upgradeplan.yaml",
    ]);
  });

  it.each(crs.map((cr) => [cr.kind, cr] as const))(
    "%s passes the CRD schema unchanged and the operator's own parser",
    (kind, cr) => {
      const crd = operatorCrds().find((c) => c.spec.names.kind === kind);
      const schema = crd?.spec.versions[0]?.schema.openAPIV3Schema as JSONSchemaProps;
      const { value, pruned } = prune(schema, cr);
      expect(pruned).toEqual([]);
      expect(validate(schema, applyDefaults(schema, value))).toEqual([]);
      expect(PARSERS[kind]?.(cr.spec).ok).toBe(true);
    },
  );

  it("gives the policy's credentials Secret the name, namespace and keys the API expects, placeholder values", () => {
    const secret = read("s3-credentials.secret.yaml") as unknown as {
      kind: string;
      metadata: { name: string; namespace: string };
      stringData: Record<string, string>;
    };
    const policy = crs[0] as unknown as { spec: { s3: { credentialsSecret: string } } };
    expect(secret.kind).toBe("Secret");
    expect(secret.metadata).toEqual({ name: policy.spec.s3.credentialsSecret, namespace: RELEASE_NAMESPACE });
    expect(Object.keys(secret.stringData).sort()).toEqual(["accessKey", "secretKey"]);
    for (const value of Object.values(secret.stringData)) expect(value).toMatch(/^REPLACE-WITH-/);
  });
});
