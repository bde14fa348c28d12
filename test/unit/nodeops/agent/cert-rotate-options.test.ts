import { describe, expect, it } from "@jest/globals";
import { certRotate } from "../../../../src/nodeops/agent/cert-rotate.ts";
import { type CommandResult } from "../../../../src/nodeops/agent/host.ts";
import { RKE2_CERT_SERVICES } from "../../../../src/api/certrotation.ts";
import { certTree, SERVER_FILES, writeNode, type CertTree } from "../../certs/fixtures.ts";
import {
  node,
  freshCertTreeEachTest,
  ROTATE_LOG,
  serverHost,
  hostOf,
  deps,
  log,
  OLD,
  NEW,
  ok,
  failed,
  type Handler,
} from "./fixtures.ts";

freshCertTreeEachTest();

/**
 * How each RKE2 CLI generation reads `--service`/`-s` (k3s `pkg/cli/cmds/certs.go`, a
 * `StringSliceFlag`): urfave/cli v1 (RKE2 before v1.31.8 / v1.32.4 / v1.33.0) appends every value
 * as given, v2 also splits each value on commas. Then k3s `validateCertConfig` checks each name.
 */
function rotateAs(generation: "urfave-v1" | "urfave-v2"): Handler {
  return (args) => {
    const values: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? "";
      if (arg === "--service" || arg === "-s") values.push(args[++i] ?? "");
      else if (arg.startsWith("--service=")) values.push(arg.slice("--service=".length));
    }
    const services = generation === "urfave-v2" ? values.flatMap((value) => value.split(",")) : values;
    const unknown = services.find((service) => !(RKE2_CERT_SERVICES as readonly string[]).includes(service));
    if (unknown !== undefined)
      return failed(`time="2026-03-01T02:00:03Z" level=fatal msg="service ${unknown} is not recognized"`);
    return ok("", ROTATE_LOG);
  };
}

describe.each(["urfave-v1", "urfave-v2"] as const)("rotating several services on an RKE2 with %s", (generation) => {
  it("passes --service once per service, which both CLI generations accept", async () => {
    await writeNode(node.tree, SERVER_FILES, OLD);
    const renewed = (t: CertTree) =>
      writeNode(
        t,
        SERVER_FILES.filter(
          ([file, kind]) => kind === "leaf" && (file.includes("/etcd/") || file.endsWith("client-scheduler.crt")),
        ),
        NEW,
      );
    const host = serverHost([["/usr/local/bin/rke2 certificate rotate", rotateAs(generation)]], renewed);
    const result = await certRotate(hostOf(host), { services: ["etcd", "scheduler"] }, log, deps());
    expect(result).toEqual({
      ok: true,
      action: "cert-rotate",
      services: ["etcd", "scheduler"],
      backupDir: "/var/lib/rancher/rke2/server/tls-1772330403",
    });
    expect(host.calls).toContain("/usr/local/bin/rke2 certificate rotate --service etcd --service scheduler");
  }, 10_000);

  it("the recorded CLI answers a comma-joined list as its generation does", () => {
    const answer = rotateAs(generation)([
      "/usr/local/bin/rke2",
      "certificate",
      "rotate",
      "--service",
      "etcd,scheduler",
    ]) as CommandResult;
    if (generation === "urfave-v1") expect(answer.stderr).toContain('msg="service etcd,scheduler is not recognized"');
    else expect(answer.exitCode).toBe(0);
  });
});

describe("node-agent cert-rotate with a custom RKE2 data dir", () => {
  it("reads and cleans up there, and tells rke2", async () => {
    const custom = await certTree("/opt/rke2");
    try {
      await writeNode(custom, SERVER_FILES, OLD);
      node.hostRoot = custom.dataDir.slice(0, -"/opt/rke2".length);
      const host = serverHost([], () =>
        writeNode(
          custom,
          SERVER_FILES.filter(([, kind]) => kind === "leaf"),
          NEW,
        ),
      );
      const result = await certRotate(hostOf(host), { services: [], dataDir: "/opt/rke2" }, log, deps());
      expect(result.ok).toBe(true);
      expect(host.calls).toContain("/usr/local/bin/rke2 certificate rotate --data-dir /opt/rke2");
      expect(host.calls).toContain("rm -rf -- /opt/rke2/server/tls/kube-scheduler");
    } finally {
      await custom.cleanup();
    }
  }, 10_000);
});
