import { describe, expect, it } from "@jest/globals";
import {
  dataDirFromNodeArgs,
  dataDirMismatches,
  dataDirMismatchMessage,
  nodeDataDir,
  NODE_ARGS_ANNOTATION,
} from "../../../src/rke2/data-dir.ts";
import { buildCertRotateArgs, parseCertRotateArgs } from "../../../src/nodeops/agent-args.ts";

// As k3s pkg/nodeconfig writes it: config file values included, `--flag=value` split, secrets blanked.
const ARGS = JSON.stringify(["server", "--token", "********", "--data-dir", "/opt/rke2", "--node-label", "x=y"]);

describe("RKE2's data dir from rke2.io/node-args", () => {
  it.each<[string, string | undefined, string | undefined]>([
    ["--data-dir", ARGS, "/opt/rke2"],
    ["the -d alias, trailing slash dropped", JSON.stringify(["agent", "-d", "/data/rke2/"]), "/data/rke2"],
    ["the last one wins", JSON.stringify(["server", "--data-dir", "/a", "--data-dir", "/b"]), "/b"],
    ["none", JSON.stringify(["server", "--node-label", "a=b"]), undefined],
    ["a relative path is not trusted", JSON.stringify(["server", "--data-dir", "rke2"]), undefined],
    ["not JSON", "server --data-dir /opt", undefined],
    ["no annotation", undefined, undefined],
  ])("%s", (_, annotation, expected) => {
    expect(dataDirFromNodeArgs(annotation)).toBe(expected);
  });

  it("falls back to the configured one, and names the nodes that differ from it", () => {
    const custom = { metadata: { name: "a", annotations: { [NODE_ARGS_ANNOTATION]: ARGS } } };
    const plain: { metadata: { name: string; annotations?: Record<string, string> } } = { metadata: { name: "b" } };
    expect(nodeDataDir(custom, "/var/lib/rancher/rke2")).toBe("/opt/rke2");
    expect(nodeDataDir(plain, "/var/lib/rancher/rke2")).toBe("/var/lib/rancher/rke2");
    expect(dataDirMismatches([custom, plain], "/var/lib/rancher/rke2")).toEqual([{ node: "a", dataDir: "/opt/rke2" }]);
    expect(dataDirMismatches([custom, plain], "/opt/rke2")).toEqual([]);
    expect(dataDirMismatchMessage([{ node: "a", dataDir: "/opt/rke2" }], "/var/lib/rancher/rke2")).toContain(
      "set the chart's rke2.dataDir",
    );
  });

  it("reaches the node-agent's cert-rotate as --data-dir", () => {
    const argv = buildCertRotateArgs({ services: ["etcd"], dataDir: "/opt/rke2" });
    expect(parseCertRotateArgs(argv)).toEqual({ ok: true, options: { services: ["etcd"], dataDir: "/opt/rke2" } });
    expect(parseCertRotateArgs([...argv.slice(0, -1), "opt"]).ok).toBe(false);
  });
});
