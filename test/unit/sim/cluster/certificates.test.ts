import { describe, expect, it } from "@jest/globals";
import {
  CA_LIFETIME_MS,
  createCertificateSet,
  LEAF_LIFETIME_MS,
  renewExpiringOnStart,
  rotateCertificates,
} from "../../../../src/sim/cluster/certificates.ts";

const T0 = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

describe("certificate sets", () => {
  it("servers have server, etcd and agent files; agents only agent files", () => {
    const server = createCertificateSet({ etcd: true, controlPlane: true }, T0);
    const agent = createCertificateSet({ etcd: false, controlPlane: false }, T0);
    expect(server.has("/var/lib/rancher/rke2/server/tls/etcd/server-client.crt")).toBe(true);
    expect(server.has("/var/lib/rancher/rke2/agent/client-kubelet.crt")).toBe(true);
    expect([...agent.keys()].every((file) => file.startsWith("/var/lib/rancher/rke2/agent/"))).toBe(true);
    expect(
      createCertificateSet({ etcd: false, controlPlane: true }, T0).has(
        "/var/lib/rancher/rke2/server/tls/etcd/client.crt",
      ),
    ).toBe(false);
  });

  it("leaves live a year, CAs ten", () => {
    const set = createCertificateSet({ etcd: true, controlPlane: false }, T0);
    expect(set.get("/var/lib/rancher/rke2/server/tls/server-ca.crt")?.notAfter).toBe(T0 + CA_LIFETIME_MS);
    expect(set.get("/var/lib/rancher/rke2/server/tls/client-admin.crt")?.notAfter).toBe(T0 + LEAF_LIFETIME_MS);
  });

  it("rotation renews only the chosen services' leaves", () => {
    const set = createCertificateSet({ etcd: true, controlPlane: true }, T0);
    const later = T0 + 200 * DAY;
    const rotated = rotateCertificates(set, ["etcd"], later);
    expect(rotated.get("/var/lib/rancher/rke2/server/tls/etcd/peer-server-client.crt")?.notAfter).toBe(
      later + LEAF_LIFETIME_MS,
    );
    expect(rotated.get("/var/lib/rancher/rke2/server/tls/etcd/peer-ca.crt")?.notAfter).toBe(T0 + CA_LIFETIME_MS);
    expect(rotated.get("/var/lib/rancher/rke2/server/tls/client-admin.crt")?.notAfter).toBe(T0 + LEAF_LIFETIME_MS);
    const all = rotateCertificates(set, [], later);
    expect(all.get("/var/lib/rancher/rke2/server/tls/client-admin.crt")?.notAfter).toBe(later + LEAF_LIFETIME_MS);
  });

  it("a start renews leaves within 120 days of expiry, not the self-signed ones", () => {
    const set = createCertificateSet({ etcd: false, controlPlane: true }, T0);
    const at = T0 + LEAF_LIFETIME_MS - 119 * DAY;
    const renewed = renewExpiringOnStart(set, at);
    expect(renewed.get("/var/lib/rancher/rke2/server/tls/client-admin.crt")?.notAfter).toBe(at + LEAF_LIFETIME_MS);
    expect(renewed.get("/var/lib/rancher/rke2/server/tls/kube-scheduler/kube-scheduler.crt")?.notAfter).toBe(
      T0 + LEAF_LIFETIME_MS,
    );
    expect(renewExpiringOnStart(set, T0 + 100 * DAY)).toEqual(set);
  });
});
