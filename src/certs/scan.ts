/**
 * Reads every certificate file RKE2 keeps on a node (server and agent sides, CAs included) from
 * the host paths the DaemonSet mounts read-only, and turns them into an inventory report. The
 * filesystem is injected: the DaemonSet passes node:fs, tests a temporary folder of real
 * certificates they generated.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CERT_DIRS, ROTATION_BACKUP_DIR } from "./layout.ts";
import type { CertificateEntry, InventoryReport } from "./report.ts";
import { primaryCertificate } from "./x509.ts";

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

export interface CertTreeFs {
  /** Entries of a folder; rejects with code ENOENT when it does not exist. */
  list(path: string): Promise<DirEntry[]>;
  readText(path: string): Promise<string>;
}

export const nodeCertTreeFs: CertTreeFs = {
  async list(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, isDirectory: entry.isDirectory() }));
  },
  readText: (path) => readFile(path, "utf8"),
};

export interface ScanOptions {
  fs: CertTreeFs;
  /** RKE2's data dir as the scanner sees it, e.g. `/host/var/lib/rancher/rke2` in the DaemonSet. */
  dataDir: string;
  nowMs: number;
}

function isMissing(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "ENOENT";
}

/** `*.crt` files under `dir` (relative to the data dir), `depth` folders deep, backups skipped. */
async function certificateFiles(fs: CertTreeFs, dataDir: string, dir: string, depth: number): Promise<string[]> {
  let entries: DirEntry[];
  try {
    entries = await fs.list(join(dataDir, dir));
  } catch (err) {
    // An agent has no server/tls; a node being set up may not have agent/ yet.
    if (isMissing(err)) return [];
    throw err;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (depth > 0 && !ROTATION_BACKUP_DIR.test(entry.name))
        files.push(...(await certificateFiles(fs, dataDir, relative, depth - 1)));
    } else if (entry.name.endsWith(".crt")) {
      files.push(relative);
    }
  }
  return files;
}

/** Scans the node's RKE2 certificate folders. A folder that cannot be listed fails the scan. */
export async function scanCertificates(options: ScanOptions): Promise<InventoryReport> {
  const { fs, dataDir } = options;
  const certificates: CertificateEntry[] = [];
  const errors: InventoryReport["errors"] = [];
  for (const { dir, depth } of CERT_DIRS) {
    for (const file of await certificateFiles(fs, dataDir, dir, depth)) {
      try {
        const cert = primaryCertificate(await fs.readText(join(dataDir, file)));
        if (cert) certificates.push({ file, notAfterMs: cert.notAfterMs, isCA: cert.isCA });
        else errors.push({ file, error: "no PEM certificate in the file" });
      } catch (err) {
        // Deleted between listing and reading: a rotation is regenerating it; the next scan sees it.
        if (isMissing(err)) continue;
        errors.push({ file, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  return { scannedAtMs: options.nowMs, certificates, errors };
}
