import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { certRotationCrdSource } from "./certrotation.ts";
import { renderCrd, type CustomResourceDefinition } from "./crd.ts";
import { etcdSnapshotPolicyCrdSource } from "./etcdsnapshotpolicy.ts";
import { upgradePlanCrdSource } from "./upgradeplan.ts";

const SOURCES = [etcdSnapshotPolicyCrdSource, certRotationCrdSource, upgradePlanCrdSource];

/** The CRDs our chart installs, in a fixed order. */
export function operatorCrds(): CustomResourceDefinition[] {
  return SOURCES.map(renderCrd);
}

const HEADER = "# Generated from src/api by `rke2-lifecycle crds`; do not edit.\n";

function toYaml(crd: CustomResourceDefinition): string {
  // lineWidth 0: never fold long descriptions, so diffs stay one line per change.
  return stringify(crd, { lineWidth: 0, sortMapEntries: false });
}

/** `crds/rke2-lifecycle.io_upgradeplans.yaml`, the layout controller-gen users know. */
export function crdFileName(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}_${crd.spec.names.plural}.yaml`;
}

/** Every CRD as one multi-document YAML stream, as `rke2-lifecycle crds` prints it. */
export function renderCrdYaml(): string {
  return operatorCrds()
    .map((crd) => `---\n${toYaml(crd)}`)
    .join("");
}

function renderedFiles(): Map<string, string> {
  return new Map(operatorCrds().map((crd) => [crdFileName(crd), HEADER + toYaml(crd)]));
}

/** Writes one file per CRD into `dir`; returns the file names written. */
export function writeCrdFiles(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderedFiles();
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return [...files.keys()];
}

/**
 * Names of files in `dir` that differ from the render, are missing, or are stale (a CRD file of
 * our group that the render no longer produces). Empty means no drift.
 */
export function crdDrift(dir: string): string[] {
  const files = renderedFiles();
  const drifted: string[] = [];
  for (const [name, text] of files) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, "utf8") !== text) drifted.push(name);
  }
  const group = operatorCrds()[0]?.spec.group ?? "";
  const present = existsSync(dir) ? readdirSync(dir) : [];
  for (const name of present) {
    if (name.startsWith(`${group}_`) && name.endsWith(".yaml") && !files.has(name)) drifted.push(name);
  }
  return drifted.sort();
}
