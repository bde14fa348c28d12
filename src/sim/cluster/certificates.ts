/**
 * Each simulated node's certificate files and their expiry, as RKE2 lays them out
 * (docs/certificates.md): leaf certificates live 365 days and CAs 10 years; RKE2 renews leaf certificates
 * expiring within 120 days when it starts; `rke2 certificate rotate -s <service>` renews the
 * chosen services' leaf certificates on the next start.
 */
import { RKE2_CERT_SERVICES, type Rke2CertService } from "../../api/certrotation.ts";
import type { NodeRoles } from "../../rke2/roles.ts";

export { RKE2_CERT_SERVICES };
export type CertService = Rke2CertService;

const DAY_MS = 86_400_000;
export const LEAF_LIFETIME_MS = 365 * DAY_MS;
export const CA_LIFETIME_MS = 3650 * DAY_MS;
export const RENEW_ON_START_WITHIN_MS = 120 * DAY_MS;

export interface CertificateFile {
  file: string;
  /** The service whose rotation renews it; undefined for CAs. */
  service?: CertService;
  isCA: boolean;
  /** RKE2 does not manage it (kube-controller-manager / kube-scheduler self-signed serving certs). */
  selfSigned?: boolean;
  notBefore: number;
  notAfter: number;
}

/** file path -> certificate */
export type CertificateSet = ReadonlyMap<string, CertificateFile>;

const TLS = "/var/lib/rancher/rke2/server/tls";
const AGENT = "/var/lib/rancher/rke2/agent";

type Layout = [file: string, service: CertService | undefined, extra?: { selfSigned?: boolean }][];

const SERVER_LAYOUT: Layout = [
  [`${TLS}/server-ca.crt`, undefined],
  [`${TLS}/client-ca.crt`, undefined],
  [`${TLS}/request-header-ca.crt`, undefined],
  [`${TLS}/client-admin.crt`, "admin"],
  [`${TLS}/client-auth-proxy.crt`, "auth-proxy"],
  [`${TLS}/client-supervisor.crt`, "supervisor"],
  [`${TLS}/client-rke2-controller.crt`, "rke2-controller"],
  [`${TLS}/serving-kube-apiserver.crt`, "api-server"],
  [`${TLS}/client-kube-apiserver.crt`, "api-server"],
  [`${TLS}/client-controller.crt`, "controller-manager"],
  [`${TLS}/client-scheduler.crt`, "scheduler"],
  [`${TLS}/client-rke2-cloud-controller.crt`, "cloud-controller"],
  [`${TLS}/client-kube-proxy.crt`, "kube-proxy"],
  [`${TLS}/kube-controller-manager/kube-controller-manager.crt`, "controller-manager", { selfSigned: true }],
  [`${TLS}/kube-scheduler/kube-scheduler.crt`, "scheduler", { selfSigned: true }],
];

const ETCD_LAYOUT: Layout = [
  [`${TLS}/etcd/server-ca.crt`, undefined],
  [`${TLS}/etcd/peer-ca.crt`, undefined],
  [`${TLS}/etcd/server-client.crt`, "etcd"],
  [`${TLS}/etcd/peer-server-client.crt`, "etcd"],
  [`${TLS}/etcd/client.crt`, "etcd"],
];

const AGENT_LAYOUT: Layout = [
  [`${AGENT}/server-ca.crt`, undefined],
  [`${AGENT}/client-ca.crt`, undefined],
  [`${AGENT}/client-kubelet.crt`, "kubelet"],
  [`${AGENT}/serving-kubelet.crt`, "kubelet"],
  [`${AGENT}/client-kube-proxy.crt`, "kube-proxy"],
  [`${AGENT}/client-rke2-controller.crt`, "rke2-controller"],
];

function issue(
  file: string,
  service: CertService | undefined,
  nowMs: number,
  extra?: { selfSigned?: boolean },
): CertificateFile {
  const isCA = service === undefined;
  return {
    file,
    ...(service ? { service } : {}),
    isCA,
    ...(extra?.selfSigned ? { selfSigned: true } : {}),
    notBefore: nowMs,
    notAfter: nowMs + (isCA ? CA_LIFETIME_MS : LEAF_LIFETIME_MS),
  };
}

/** The certificates a node has right after RKE2 first started on it. */
export function createCertificateSet(roles: NodeRoles, nowMs: number): CertificateSet {
  const isServer = roles.etcd || roles.controlPlane;
  const layout = [...(isServer ? SERVER_LAYOUT : []), ...(roles.etcd ? ETCD_LAYOUT : []), ...AGENT_LAYOUT];
  return new Map(layout.map(([file, service, extra]) => [file, issue(file, service, nowMs, extra)]));
}

export function unknownServices(services: readonly string[]): string[] {
  return services.filter((service) => !(RKE2_CERT_SERVICES as readonly string[]).includes(service));
}

/** `rke2 certificate rotate [-s ...]` followed by a start: the chosen services' leaf certs are new. */
export function rotateCertificates(set: CertificateSet, services: readonly string[], nowMs: number): CertificateSet {
  const all = services.length === 0;
  return new Map(
    [...set].map(
      ([file, cert]) =>
        [
          file,
          !cert.isCA && cert.service && (all || services.includes(cert.service))
            ? issue(file, cert.service, nowMs, cert)
            : cert,
        ] as const,
    ),
  );
}

/**
 * What any rke2 start does: leaf certificates expiring within 120 days are renewed; the
 * self-signed controller-manager and scheduler certs are not RKE2's and are left to expire.
 */
export function renewExpiringOnStart(set: CertificateSet, nowMs: number): CertificateSet {
  return new Map(
    [...set].map(
      ([file, cert]) =>
        [
          file,
          !cert.isCA && !cert.selfSigned && cert.notAfter - nowMs <= RENEW_ON_START_WITHIN_MS
            ? issue(file, cert.service, nowMs)
            : cert,
        ] as const,
    ),
  );
}
