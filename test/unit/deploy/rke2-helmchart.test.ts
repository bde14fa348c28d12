import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import { toolPath } from "../../support/tools.ts";
import {
  helm,
  identities,
  parseManifests,
  RELEASE,
  RELEASE_NAMESPACE,
  renderChart,
  REPO_ROOT,
} from "../charts/render.ts";

const SCRIPT = join(REPO_ROOT, "deploy/rke2/build-manifest.sh");
const VALUES = join(REPO_ROOT, "deploy/rke2/values.yaml");

interface HelmChartManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: {
    targetNamespace: string;
    createNamespace: boolean;
    chartContent: string;
    valuesContent: string;
    chart?: string;
    repo?: string;
  };
}

function build(args: string[] = []): string {
  return execFileSync("sh", [SCRIPT, ...args], { encoding: "utf8", env: { ...process.env, HELM: toolPath("helm") } });
}

describe("deploy/rke2/build-manifest.sh", () => {
  const manifest = parse(build()) as HelmChartManifest;

  it("prints a helm.cattle.io/v1 HelmChart for kube-system that installs into the operator namespace", () => {
    expect([manifest.apiVersion, manifest.kind, manifest.metadata.namespace]).toEqual([
      "helm.cattle.io/v1",
      "HelmChart",
      "kube-system",
    ]);
    expect(manifest.spec).toMatchObject({ targetNamespace: RELEASE_NAMESPACE, createNamespace: true });
    expect(manifest.spec.chart).toBeUndefined();
  });

  it("embeds the packaged chart, which renders the same objects as the chart folder", () => {
    const archive = Buffer.from(manifest.spec.chartContent, "base64");
    expect(gunzipSync(archive).subarray(257, 262).toString()).toBe("ustar");
    const dir = mkdtempSync(join(tmpdir(), "rke2-helmchart-"));
    try {
      const tgz = join(dir, "chart.tgz");
      writeFileSync(tgz, archive);
      const fromArchive = parseManifests(helm(["template", RELEASE, tgz, "--namespace", RELEASE_NAMESPACE]));
      expect(identities(fromArchive)).toEqual(identities(renderChart()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("carries the values file as valuesContent, and the chart accepts those values", () => {
    expect(parse(manifest.spec.valuesContent)).toEqual(parse(readFileSync(VALUES, "utf8")));
    expect(renderChart(["--values", VALUES]).length).toBeGreaterThan(0);
  });

  it("takes another values file and refuses a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "rke2-values-"));
    try {
      const values = join(dir, "values.yaml");
      writeFileSync(values, "operator:\n  logLevel: debug\n");
      expect((parse(build([values])) as HelmChartManifest).spec.valuesContent).toBe("operator:\n  logLevel: debug");
      expect(() => build([join(dir, "missing.yaml")])).toThrow(/no values file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
