import { describe, expect, it } from "@jest/globals";
import { certRotate } from "../../../../src/nodeops/agent/cert-rotate.ts";
import { AGENT_FILES, writeNode } from "../../certs/fixtures.ts";
import {
  node,
  freshCertTreeEachTest,
  FakeHost,
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

describe("node-agent cert-rotate on an agent", () => {
  function agentHost(rotate: Handler): FakeHost {
    return new FakeHost([
      ["systemctl is-active --quiet rke2-server", () => failed("", 3)],
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
                node.tree,
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
    await writeNode(node.tree, AGENT_FILES, OLD);
    const host = agentHost(() =>
      failed(
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
    await writeNode(node.tree, AGENT_FILES, OLD);
    const host = agentHost(() => ok());
    expect((await certRotate(hostOf(host), { services: ["api-server", "kubelet"] }, log, deps())).ok).toBe(true);
    expect(host.calls).toContain("/usr/local/bin/rke2 certificate rotate --service kubelet");
    await writeNode(node.tree, AGENT_FILES, OLD);
    const restartOnly = agentHost(() => ok());
    expect(await certRotate(hostOf(restartOnly), { services: ["etcd"] }, log, deps())).toEqual({
      ok: true,
      action: "cert-rotate",
      services: [],
    });
    expect(restartOnly.calls.some((c) => c.includes("certificate rotate"))).toBe(false);
  });
});
