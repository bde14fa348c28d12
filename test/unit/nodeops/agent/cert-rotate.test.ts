import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { rm } from "node:fs/promises";
import { nodeCertTreeFs } from "../../../../src/certs/scan.ts";
import { backupDirOf, certRotate, servicesFor } from "../../../../src/nodeops/agent/cert-rotate.ts";
import {
  HOST_NAMESPACES_PREFIX,
  type CommandResult,
  type CommandRunner,
  type HostContext,
} from "../../../../src/nodeops/agent/host.ts";
import { systemClock } from "../../../../src/runtime/clock.ts";
import { RKE2_CERT_SERVICES } from "../../../../src/api/certrotation.ts";
import { AGENT_FILES, certTree, SERVER_FILES, writeNode, type CertTree } from "../../certs/fixtures.ts";
import { FakeFs } from "./fixtures.ts";

const OLD = new Date("2026-03-21T00:00:00Z");
const NEW = new Date("2027-03-01T00:00:00Z");
const DATA = "/var/lib/rancher/rke2";
let tree: CertTree;
let hostRoot: string;

beforeEach(async () => {
  tree = await certTree();
  hostRoot = tree.dataDir.slice(0, -DATA.length);
});
afterEach(async () => {
  await tree.cleanup();
});

type Handler = (args: readonly string[]) => CommandResult | Promise<CommandResult>;
const ok = (stdout = "", stderr = ""): CommandResult => ({ exitCode: 0, stdout, stderr });
const fail = (stderr: string, exitCode = 1): CommandResult => ({ exitCode, stdout: "", stderr });

/** A host: answers by command, records every call (without the nsenter prefix). */
class FakeHost implements CommandRunner {
  readonly calls: string[] = [];
  readonly handlers: [prefix: string, handler: Handler][];

  constructor(handlers: [string, Handler][]) {
    this.handlers = handlers;
  }

  async run(argv: readonly string[]): Promise<CommandResult> {
    expect(argv.slice(0, HOST_NAMESPACES_PREFIX.length)).toEqual([...HOST_NAMESPACES_PREFIX]);
    const args = argv.slice(HOST_NAMESPACES_PREFIX.length);
    const line = args.join(" ");
    this.calls.push(line);
    const match = this.handlers.find(([prefix]) => line.startsWith(prefix));
    return match ? match[1](args) : fail(`unexpected: ${line}`, 127);
  }
}

const ROTATE_LOG =
  'time="2026-03-01T02:00:03Z" level=info msg="Successfully backed up certificates to /var/lib/rancher/rke2/server/tls-1772330403, please restart rke2 server or agent to rotate certificates"';

function serverHost(
  extra: [string, Handler][] = [],
  renew: (tree: CertTree) => Promise<void> = (t) =>
    writeNode(
      t,
      SERVER_FILES.filter(([, kind]) => kind === "leaf"),
      NEW,
    ),
): FakeHost {
  return new FakeHost([
    ...extra,
    ["systemctl is-active --quiet rke2-server", () => ok()],
    ["systemctl stop rke2-server", () => ok()],
    ["/usr/local/bin/rke2 certificate rotate", () => ok("", ROTATE_LOG)],
    [
      "rm -rf -- ",
      async (args) => {
        await rm(join(hostRoot, args.at(-1) ?? "/nonexistent"), { recursive: true, force: true });
        return ok();
      },
    ],
    // rke2 regenerates what rotate deleted once it starts; a moment later, as on a node.
    [
      "systemctl start --no-block rke2-server",
      () => {
        setTimeout(() => void renew(tree), 30);
        return ok();
      },
    ],
  ]);
}

function hostOf(runner: CommandRunner): HostContext {
  return { runner, fs: new FakeFs({ [`${hostRoot}/usr/local/bin/rke2`]: "elf" }), env: {}, hostRoot };
}

const deps = (overrides: { renewTimeoutMs?: number; signal?: AbortSignal } = {}) => ({
  certFs: nodeCertTreeFs,
  clock: systemClock,
  pollMs: 10,
  renewTimeoutMs: overrides.renewTimeoutMs ?? 2000,
  ...(overrides.signal ? { signal: overrides.signal } : {}),
});
const lines: string[] = [];
const log = (line: string): void => {
  lines.push(line);
};

describe("node-agent cert-rotate on a server", () => {
  it("stops rke2, rotates, removes the unmanaged serving certs, starts rke2, and waits for the renewed files", async () => {
    await writeNode(tree, SERVER_FILES, OLD);
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
    await writeNode(tree, SERVER_FILES, OLD);
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
    await writeNode(tree, SERVER_FILES, OLD);
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
    await writeNode(tree, SERVER_FILES, OLD);
    const host = serverHost([
      [
        "/usr/local/bin/rke2 certificate rotate",
        () => fail('time="2026-03-01T02:00:03Z" level=fatal msg="service foo is not recognized"'),
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
    await writeNode(tree, SERVER_FILES, OLD);
    const host = serverHost([
      ["systemctl stop rke2-server", () => fail("Failed to stop rke2-server.service: Access denied")],
    ]);
    const result = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(!result.ok && result.error).toBe(
      "cannot stop rke2-server: Failed to stop rke2-server.service: Access denied",
    );
    expect(host.calls).toEqual(["systemctl is-active --quiet rke2-server", "systemctl stop rke2-server"]);
  });

  it("stops waiting when the Job is terminated (rke2 is already started)", async () => {
    await writeNode(tree, SERVER_FILES, OLD);
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
    await writeNode(tree, SERVER_FILES, OLD);
    const noBinary = await certRotate({ ...hostOf(serverHost()), fs: new FakeFs() }, { services: [] }, log, deps());
    expect(!noBinary.ok && noBinary.error).toBe("no rke2 binary on this node");
    const noUnit = await certRotate(
      hostOf(new FakeHost([["systemctl is-", () => fail("", 3)]])),
      { services: [] },
      log,
      deps(),
    );
    expect(!noUnit.ok && noUnit.error).toContain("neither rke2-server nor rke2-agent");
    await tree.remove("server");
    await tree.remove("agent");
    const host = serverHost();
    const empty = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(!empty.ok && empty.error).toContain("no certificates found");
    expect(host.calls).toEqual(["systemctl is-active --quiet rke2-server"]);
  });
});

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
      return fail(`time="2026-03-01T02:00:03Z" level=fatal msg="service ${unknown} is not recognized"`);
    return ok("", ROTATE_LOG);
  };
}

describe.each(["urfave-v1", "urfave-v2"] as const)("rotating several services on an RKE2 with %s", (generation) => {
  it("passes --service once per service, which both CLI generations accept", async () => {
    await writeNode(tree, SERVER_FILES, OLD);
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
      hostRoot = custom.dataDir.slice(0, -"/opt/rke2".length);
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

describe("node-agent cert-rotate on an agent", () => {
  function agentHost(rotate: Handler): FakeHost {
    return new FakeHost([
      ["systemctl is-active --quiet rke2-server", () => fail("", 3)],
      ["systemctl is-active --quiet rke2-agent", () => ok()],
      ["systemctl stop rke2-agent", () => ok()],
      ["/usr/local/bin/rke2 certificate rotate", rotate],
      // Every agent start fetches newly signed client and serving certificates from a server.
      [
        "systemctl start --no-block rke2-agent",
        () => {
          setTimeout(
            () =>
              void writeNode(
                tree,
                AGENT_FILES.filter(([, kind]) => kind === "leaf"),
                NEW,
              ),
            30,
          );
          return ok();
        },
      ],
    ]);
  }

  it("restarts rke2-agent, which renews its certificates even where rotate refuses to run on an agent", async () => {
    await writeNode(tree, AGENT_FILES, OLD);
    const host = agentHost(() =>
      fail(
        'time="2026-03-01T02:00:03Z" level=fatal msg="stat /var/lib/rancher/rke2/server: no such file or directory"',
      ),
    );
    const result = await certRotate(hostOf(host), { services: [] }, log, deps());
    expect(result).toEqual({ ok: true, action: "cert-rotate", services: [] });
    expect(host.calls).toEqual([
      "systemctl is-active --quiet rke2-server",
      "systemctl is-active --quiet rke2-agent",
      "systemctl stop rke2-agent",
      "/usr/local/bin/rke2 certificate rotate",
      "systemctl start --no-block rke2-agent",
    ]);
  });

  it("passes only the agent's services, and skips rotate when none of the chosen ones live here", async () => {
    await writeNode(tree, AGENT_FILES, OLD);
    const host = agentHost(() => ok());
    expect((await certRotate(hostOf(host), { services: ["api-server", "kubelet"] }, log, deps())).ok).toBe(true);
    expect(host.calls).toContain("/usr/local/bin/rke2 certificate rotate --service kubelet");
    await writeNode(tree, AGENT_FILES, OLD);
    const restartOnly = agentHost(() => ok());
    expect(await certRotate(hostOf(restartOnly), { services: ["etcd"] }, log, deps())).toEqual({
      ok: true,
      action: "cert-rotate",
      services: [],
    });
    expect(restartOnly.calls.some((c) => c.includes("certificate rotate"))).toBe(false);
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
        'msg="Successfully backed up certificates for all services to path /var/lib/rancher/rke2/server/tls-1700000000, please restart"',
      ),
    ).toBe("/var/lib/rancher/rke2/server/tls-1700000000");
    expect(backupDirOf("nothing")).toBeUndefined();
  });
});
