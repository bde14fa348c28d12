import { describe, expect, it } from "@jest/globals";
import { relativeToDataDir, renewedByRotation, serviceOfFile } from "../../../src/certs/layout.ts";

describe("RKE2's certificate layout", () => {
  it.each([
    ["server/tls/client-admin.crt", "admin"],
    ["server/tls/serving-kube-apiserver.crt", "api-server"],
    ["server/tls/client-kube-apiserver.crt", "api-server"],
    ["server/tls/client-controller.crt", "controller-manager"],
    ["server/tls/kube-controller-manager/kube-controller-manager.crt", "controller-manager"],
    ["server/tls/kube-scheduler/kube-scheduler.crt", "scheduler"],
    ["server/tls/etcd/peer-server-client.crt", "etcd"],
    ["server/tls/client-rke2-cloud-controller.crt", "cloud-controller"],
    ["agent/client-kubelet.crt", "kubelet"],
    ["agent/serving-kubelet.crt", "kubelet"],
    ["agent/client-rke2-controller.crt", "rke2-controller"],
    ["server/tls/server-ca.crt", undefined],
    ["server/tls/etcd/peer-ca.crt", undefined],
    ["agent/unknown.crt", undefined],
  ])("%s is renewed by rotating %p", (file, service) => {
    expect(serviceOfFile(file)).toBe(service);
  });

  it("knows which files a rotation of some services renews (all of them when none are named)", () => {
    expect(renewedByRotation("agent/client-kubelet.crt", [])).toBe(true);
    expect(renewedByRotation("agent/client-kubelet.crt", ["kubelet", "etcd"])).toBe(true);
    expect(renewedByRotation("agent/client-kubelet.crt", ["etcd"])).toBe(false);
    expect(renewedByRotation("agent/unknown.crt", ["kubelet"])).toBe(false);
  });

  it("names files relative to the data dir", () => {
    expect(relativeToDataDir("/var/lib/rancher/rke2/server/tls/client-admin.crt")).toBe("server/tls/client-admin.crt");
    expect(relativeToDataDir("/opt/rke2/agent/x.crt", "/opt/rke2/")).toBe("agent/x.crt");
    expect(relativeToDataDir("/etc/other.crt")).toBe("/etc/other.crt");
  });
});
