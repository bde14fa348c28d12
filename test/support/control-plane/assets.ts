/**
 * The real control-plane binaries (kube-apiserver, kube-controller-manager, kube-scheduler, etcd),
 * found the way controller-runtime's envtest finds its assets: RKE2_LIFECYCLE_K8S_ASSETS names a
 * folder holding either `bin/` or the tarball; otherwise `../shared/k8s` beside the repository.
 * A tarball is unpacked once into a cache folder outside the repository, keyed by its hash.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ASSETS_ENV = "RKE2_LIFECYCLE_K8S_ASSETS";
export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The folder that holds the assets, or undefined when this machine has none. */
export function assetsDir(): string | undefined {
  const configured = process.env[ASSETS_ENV];
  if (configured) {
    if (!existsSync(configured)) throw new Error(`${ASSETS_ENV}=${configured} does not exist`);
    return resolve(configured);
  }
  const beside = resolve(repoRoot, "../shared/k8s");
  return existsSync(beside) ? beside : undefined;
}

function hasBinaries(bin: string): boolean {
  return BINARIES.every((name) => existsSync(join(bin, name)));
}

/** The `bin/` folder with the four binaries, unpacking the tarball into the cache on first use. */
export function binDir(dir: string): string {
  if (hasBinaries(join(dir, "bin"))) return join(dir, "bin");
  const tarball = readdirSync(dir).find((name) => /^control-plane-.*\.tar\.(xz|gz)$/.test(name));
  if (!tarball) throw new Error(`${dir} holds neither bin/ nor a control-plane-*.tar.xz`);
  const path = join(dir, tarball);
  const digest = createHash("sha256").update(readFileSync(path)).digest("hex");
  const cache = join(tmpdir(), "rke2-lifecycle-k8s", digest.slice(0, 16));
  if (hasBinaries(join(cache, "bin"))) return join(cache, "bin");
  mkdirSync(dirname(cache), { recursive: true });
  // Unpack into a private folder and rename, so two runs never see a half-written binary.
  const scratch = mkdtempSync(`${cache}.unpacking-`);
  try {
    execFileSync("tar", ["-xf", path, "-C", scratch], { stdio: "pipe" });
    if (!hasBinaries(join(scratch, "bin"))) throw new Error(`${path} has no bin/ with ${BINARIES.join(", ")}`);
    rmSync(cache, { recursive: true, force: true });
    renameSync(scratch, cache);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return join(cache, "bin");
}
