import { describe, expect, it } from "@jest/globals";
import { backupDirOf, certRotate, servicesFor } from "../../../../src/nodeops/agent/cert-rotate.ts";
import { SERVER_FILES, writeNode, type CertTree } from "../../certs/fixtures.ts";
import {
  node,
  freshCertTreeEachTest,
  FakeHost,
  ROTATE_LOG,
  serverHost,
  hostOf,
  deps,
  log,
  OLD,
  NEW,
  failed,
  DATA,
  FakeFs,
} from "./fixtures.ts";

freshCertTreeEachTest();

describe("node-agent cert-rotate on a server", () => {
  it("stops rke2, rotates, removes the unmanaged serving certs, starts rke2, waits for the renewed files", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const host = serverHost();
    const result = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(result).toEqual({
      ok: true,
      action: "cert-rotate",
      services: [],
      backupDir: "/var/lib/rancher/rke2/server/tls-1772330403",
    });
    expect(host.calls).toEqual([
      "systemctl is-active --quiet rke2-server",
      "systemctl stop rke2-server",
      "/usr/local/bin/rke2 certificate rotate",
      `rm -rf -- ${DATA}/server/tls/kube-controller-manager`,
      `rm -rf -- ${DATA}/server/tls/kube-scheduler`,
      "systemctl start --no-block rke2-server",
    ]);
  });

  it("passes the chosen services and keeps the serving certs of components it does not rotate", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const renewEtcd = (t: CertTree) =>
      writeNode(
        t,
        SERVER_FILES.filter(
          ([file, kind]) => kind === "leaf" && (file.includes("/etcd/") || file.endsWith("client-scheduler.crt")),
        ),
        NEW,
      );
    const host = serverHost([], renewEtcd);
    const result = await certRotate(hostOf(host), { services: ["etcd", "scheduler"] }, log, deps());
    expect(result.ok).toBe(true);
    expect(host.calls).toContain("/usr/local/bin/rke2 certificate rotate --service etcd --service scheduler");
    expect(host.calls.filter((c) => c.startsWith("rm "))).toEqual([`rm -rf -- ${DATA}/server/tls/kube-scheduler`]);
  }, 10_000);

  it("fails when rke2 came back but a certificate it should have renewed did not change", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const host = serverHost([], (t) =>
      writeNode(
        t,
        SERVER_FILES.filter(([file, kind]) => kind === "leaf" && file !== "server/tls/client-admin.crt"),
        NEW,
      ),
    );
    const result = await certRotate(hostOf(host), { services: [] }, log, deps({ renewTimeoutMs: 300 }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toBe(
      "rke2 restarted, but these certificates were not renewed within 0.3s: server/tls/client-admin.crt",
    );
  });

  it("starts rke2 again when the rotation fails, and reports the failure", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const host = serverHost([
      [
        "/usr/local/bin/rke2 certificate rotate",
        () => failed('time="2026-03-01T02:00:03Z" level=fatal msg="service foo is not recognized"'),
      ],
    ]);
    const result = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(result).toEqual({
      ok: false,
      action: "cert-rotate",
      error: "rke2 certificate rotate failed: service foo is not recognized",
    });
    expect(host.calls.at(-1)).toBe("systemctl start --no-block rke2-server");
    expect(host.calls.some((c) => c.startsWith("rm "))).toBe(false);
  });

  it("touches nothing when rke2 cannot be stopped", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const host = serverHost([
      ["systemctl stop rke2-server", () => failed("Failed to stop rke2-server.service: Access denied")],
    ]);
    const result = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(!result.ok && result.error).toBe(
      "cannot stop rke2-server: Failed to stop rke2-server.service: Access denied",
    );
    expect(host.calls).toEqual(["systemctl is-active --quiet rke2-server", "systemctl stop rke2-server"]);
  });

  it("stops waiting when the Job is terminated (rke2 is already started)", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const controller = new AbortController();
    const host = serverHost([], () => {
      controller.abort();
      return Promise.resolve();
    });
    const result = await certRotate(
      hostOf(host),
      { services: [] },
      log,
      deps({ renewTimeoutMs: 60_000, signal: controller.signal }),
    );
    expect(result.ok).toBe(false);
    expect(host.calls.at(-1)).toBe("systemctl start --no-block rke2-server");
  });

  it("refuses to start without rke2, without a unit, or without any certificate to check", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const noBinary = await certRotate({ ...hostOf(serverHost()), fs: new FakeFs() }, { services: [] }, log, deps());
    expect(!noBinary.ok && noBinary.error).toBe("no rke2 binary on this node");
    const noUnit = await certRotate(
      hostOf(new FakeHost([["systemctl is-", () => failed("", 3)]])),
      { services: [] },
      log,
      deps(),
    );
    expect(!noUnit.ok && noUnit.error).toContain("neither rke2-server nor rke2-agent");
    await node.tree.remove("server");
    await node.tree.remove("agent");
    const host = serverHost();
    const empty = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(!empty.ok && empty.error).toContain("no certificates found");
    expect(host.calls).toEqual(["systemctl is-active --quiet rke2-server"]);
  });
});

describe("cert-rotate helpers", () => {
  it.each([
    ["server", ["etcd"], { services: ["etcd"], runRotate: true }],
    ["agent", [], { services: [], runRotate: true }],
    ["agent", ["kubelet", "admin"], { services: ["kubelet"], runRotate: true }],
    ["agent", ["admin"], { services: [], runRotate: false }],
  ] as const)("%s with %j", (role, services, expected) => {
    expect(servicesFor(role, services)).toEqual(expected);
  });

  it("reads the backup folder from rotate's log, old and new wording", () => {
    expect(backupDirOf(ROTATE_LOG)).toBe("/var/lib/rancher/rke2/server/tls-1772330403");
    expect(
      backupDirOf(
        'msg="Successfully backed up certificates for all services to path ' +
          '/var/lib/rancher/rke2/server/tls-1700000000, please restart"',
      ),
    ).toBe("/var/lib/rancher/rke2/server/tls-1700000000");
    expect(backupDirOf("nothing")).toBeUndefined();
  });
});
