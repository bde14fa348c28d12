/**
 * Real X.509 certificates for the tests (issued with test/support/x509.ts): CAs and leaf bundles
 * (leaf, then its CA, as RKE2 writes them), laid out in a temporary folder the way an RKE2 server or
 * agent keeps them. One RSA key signs everything: the tests read expiry and CA flags, not trust
 * chains.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import forge from "node-forge";
import { newRsaKey, signCertificate, type RsaKey } from "../../support/x509.ts";

const DAY_MS = 86_400_000;

let shared: RsaKey | undefined;

function keys(): RsaKey {
  shared ??= newRsaKey();
  return shared;
}

let serial = 1;

export interface CertOptions {
  commonName: string;
  notBefore?: Date;
  notAfter: Date;
  isCA?: boolean;
  issuer?: string;
}

/** One PEM certificate. */
export function certificatePem(options: CertOptions): string {
  const { privateKey, publicKey } = keys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, "0");
  cert.validity.notBefore = options.notBefore ?? new Date(options.notAfter.getTime() - 365 * DAY_MS);
  cert.validity.notAfter = options.notAfter;
  cert.setSubject([{ name: "commonName", value: options.commonName }]);
  cert.setIssuer([{ name: "commonName", value: options.issuer ?? options.commonName }]);
  cert.setExtensions([{ name: "basicConstraints", cA: options.isCA === true, critical: true }]);
  return signCertificate(cert, privateKey);
}

/** A leaf followed by the CA that signed it, as RKE2 writes client and serving certificates. */
export function leafBundlePem(commonName: string, notAfter: Date, caNotAfter: Date): string {
  return (
    certificatePem({ commonName, notAfter, issuer: "rke2-client-ca@1700000000" }) +
    certificatePem({ commonName: "rke2-client-ca@1700000000", notAfter: caNotAfter, isCA: true })
  );
}

export interface CertTree {
  /** The fake data dir (what `/var/lib/rancher/rke2` is on a node). */
  dataDir: string;
  /** Writes one certificate file (relative to the data dir): a CA, or a leaf bundle. */
  write(file: string, notAfter: Date, kind?: "leaf" | "ca"): Promise<void>;
  writeText(file: string, text: string): Promise<void>;
  remove(file: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** `rke2DataDir`: where RKE2 keeps its data on the simulated host (its default unless given). */
export async function certTree(rke2DataDir = "/var/lib/rancher/rke2"): Promise<CertTree> {
  const root = await mkdtemp(join(tmpdir(), "rke2-certs-"));
  const dataDir = join(root, rke2DataDir);
  await mkdir(dataDir, { recursive: true });
  const writeText = async (file: string, text: string): Promise<void> => {
    const path = join(dataDir, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text, { mode: 0o600 });
  };
  return {
    dataDir,
    writeText,
    async write(file, notAfter, kind = "leaf") {
      const name =
        file
          .split("/")
          .at(-1)
          ?.replace(/\.crt$/, "") ?? file;
      const pem =
        kind === "ca"
          ? certificatePem({ commonName: `rke2-${name}@1700000000`, notAfter, isCA: true })
          : leafBundlePem(name, notAfter, new Date(notAfter.getTime() + 3000 * DAY_MS));
      await writeText(file, pem);
    },
    async remove(file) {
      await rm(join(dataDir, file), { force: true, recursive: true });
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A server's files (etcd member): CAs, leaf bundles, the unmanaged serving certs, agent side. */
export const SERVER_FILES: [file: string, kind: "leaf" | "ca"][] = [
  ["server/tls/server-ca.crt", "ca"],
  ["server/tls/client-ca.crt", "ca"],
  ["server/tls/request-header-ca.crt", "ca"],
  ["server/tls/client-admin.crt", "leaf"],
  ["server/tls/client-controller.crt", "leaf"],
  ["server/tls/client-scheduler.crt", "leaf"],
  ["server/tls/serving-kube-apiserver.crt", "leaf"],
  ["server/tls/client-kube-apiserver.crt", "leaf"],
  ["server/tls/client-supervisor.crt", "leaf"],
  ["server/tls/etcd/server-ca.crt", "ca"],
  ["server/tls/etcd/peer-ca.crt", "ca"],
  ["server/tls/etcd/client.crt", "leaf"],
  ["server/tls/etcd/server-client.crt", "leaf"],
  ["server/tls/etcd/peer-server-client.crt", "leaf"],
  ["server/tls/kube-controller-manager/kube-controller-manager.crt", "leaf"],
  ["server/tls/kube-scheduler/kube-scheduler.crt", "leaf"],
  ["agent/server-ca.crt", "ca"],
  ["agent/client-ca.crt", "ca"],
  ["agent/client-kubelet.crt", "leaf"],
  ["agent/serving-kubelet.crt", "leaf"],
  ["agent/client-kube-proxy.crt", "leaf"],
  ["agent/client-rke2-controller.crt", "leaf"],
];

export const AGENT_FILES = SERVER_FILES.filter(([file]) => file.startsWith("agent/"));

/** Writes every file of `files`: leaves expiring at `leafNotAfter`, CAs ten years out. */
export async function writeNode(
  tree: CertTree,
  files: readonly [string, "leaf" | "ca"][],
  leafNotAfter: Date,
): Promise<void> {
  for (const [file, kind] of files)
    await tree.write(file, kind === "ca" ? new Date(leafNotAfter.getTime() + 3285 * DAY_MS) : leafNotAfter, kind);
}
