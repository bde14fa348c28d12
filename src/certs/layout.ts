/**
 * Where RKE2 keeps its certificates and which `rke2 certificate rotate -s <service>` renews each
 * one (k3s `pkg/util/services.FilesForServices`, which RKE2 reuses). Paths are relative to the
 * data dir, as the inventory reports them: short, and the same on every node.
 */
import type { Rke2CertService } from "../api/certrotation.ts";

/** RKE2's default `data-dir`. */
export const RKE2_DATA_DIR = "/var/lib/rancher/rke2";

/**
 * Folders the inventory reads, relative to the data dir, and how deep: `server/tls` holds the
 * server's CAs and leaf certificates with `etcd/`, `kube-controller-manager/` and
 * `kube-scheduler/` one level down; `agent/` keeps its certificates at the top (its subfolders
 * are containerd's state, images and logs, and the `tls-<unix>` backups of a rotation).
 */
export const CERT_DIRS: readonly { dir: string; depth: number }[] = [
  { dir: "server/tls", depth: 1 },
  { dir: "agent", depth: 0 },
];

/** Backups `rke2 certificate rotate` makes (`server/tls-<unix>`, `agent/tls-<unix>`): old copies, never in use. */
export const ROTATION_BACKUP_DIR = /^tls-\d+$/;

const FILE_SERVICES: Readonly<Record<string, Rke2CertService>> = {
  "server/tls/client-admin.crt": "admin",
  "server/tls/client-auth-proxy.crt": "auth-proxy",
  "server/tls/client-controller.crt": "controller-manager",
  "server/tls/client-scheduler.crt": "scheduler",
  "server/tls/client-kube-apiserver.crt": "api-server",
  "server/tls/serving-kube-apiserver.crt": "api-server",
  "server/tls/client-kube-proxy.crt": "kube-proxy",
  "server/tls/client-rke2-cloud-controller.crt": "cloud-controller",
  "server/tls/client-rke2-controller.crt": "rke2-controller",
  "server/tls/client-supervisor.crt": "supervisor",
  "server/tls/etcd/client.crt": "etcd",
  "server/tls/etcd/server-client.crt": "etcd",
  "server/tls/etcd/peer-server-client.crt": "etcd",
  "agent/client-kubelet.crt": "kubelet",
  "agent/serving-kubelet.crt": "kubelet",
  "agent/client-kube-proxy.crt": "kube-proxy",
  "agent/client-rke2-controller.crt": "rke2-controller",
};

/**
 * kube-controller-manager and kube-scheduler serve with self-signed certificates they generate
 * into these folders when none exist; RKE2 neither renews nor rotates them, so rotation deletes
 * the folders before rke2 starts again (what Rancher does too).
 */
export const UNMANAGED_SERVING_CERT_DIRS: Readonly<Record<"controller-manager" | "scheduler", string>> = {
  "controller-manager": "server/tls/kube-controller-manager",
  scheduler: "server/tls/kube-scheduler",
};

/** The service whose rotation renews a certificate file; undefined for CAs and unknown files. */
export function serviceOfFile(relativePath: string): Rke2CertService | undefined {
  const known = FILE_SERVICES[relativePath];
  if (known) return known;
  for (const [service, dir] of Object.entries(UNMANAGED_SERVING_CERT_DIRS)) {
    if (relativePath.startsWith(`${dir}/`)) return service as "controller-manager" | "scheduler";
  }
  return undefined;
}

/**
 * Whether rotating `services` (empty: all) renews the file. A leaf file no service claims is
 * renewed only by a full rotation (RKE2 renews every leaf certificate near expiry at start).
 */
export function renewedByRotation(relativePath: string, services: readonly string[]): boolean {
  if (services.length === 0) return true;
  const service = serviceOfFile(relativePath);
  return service !== undefined && services.includes(service);
}

/** `/var/lib/rancher/rke2/server/tls/x.crt` -> `server/tls/x.crt`; other paths unchanged. */
export function relativeToDataDir(path: string, dataDir = RKE2_DATA_DIR): string {
  const prefix = `${dataDir.replace(/\/+$/, "")}/`;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
