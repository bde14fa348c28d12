import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { scanCertificates, nodeCertTreeFs, type CertTreeFs } from "../../../src/certs/scan.ts";
import { AGENT_FILES, certTree, SERVER_FILES, writeNode, type CertTree } from "./fixtures.ts";

const NOW = Date.UTC(2026, 2, 1);
const LEAF_END = new Date("2027-03-01T00:00:00Z");
let tree: CertTree;

beforeEach(async () => {
  tree = await certTree();
});
afterEach(async () => {
  await tree.cleanup();
});

const scan = (fs: CertTreeFs = nodeCertTreeFs) => scanCertificates({ fs, dataDir: tree.dataDir, nowMs: NOW });

describe("scanning a node's RKE2 certificate folders", () => {
  it("reports every certificate of a server, CAs included, relative to the data dir", async () => {
    await writeNode(tree, SERVER_FILES, LEAF_END);
    const report = await scan();
    expect(report.scannedAtMs).toBe(NOW);
    expect(report.errors).toEqual([]);
    expect(report.certificates.map((c) => c.file).sort()).toEqual(SERVER_FILES.map(([file]) => file).sort());
    const admin = report.certificates.find((c) => c.file === "server/tls/client-admin.crt");
    expect(admin).toEqual({ file: "server/tls/client-admin.crt", notAfterMs: LEAF_END.getTime(), isCA: false });
    expect(report.certificates.find((c) => c.file === "server/tls/etcd/peer-ca.crt")?.isCA).toBe(true);
    expect(report.certificates.filter((c) => c.isCA)).toHaveLength(7);
  });

  it("reads an agent, which has no server/tls, from agent/ alone", async () => {
    await writeNode(tree, AGENT_FILES, LEAF_END);
    const report = await scan();
    expect(report.certificates.map((c) => c.file).sort()).toEqual(AGENT_FILES.map(([file]) => file).sort());
  });

  it("skips keys, rotation backups, containerd's folders and anything deeper than RKE2 keeps certs", async () => {
    await writeNode(tree, AGENT_FILES, LEAF_END);
    await tree.write("server/tls/client-admin.crt", LEAF_END);
    await tree.writeText(
      "server/tls/client-admin.key",
      "-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n",
    );
    await tree.write("server/tls-1740794400/client-admin.crt", new Date("2026-03-10T00:00:00Z"));
    await tree.write("server/tls/tls-1740794400/client-admin.crt", new Date("2026-03-10T00:00:00Z"));
    await tree.write("agent/tls-1740794400/client-kubelet.crt", new Date("2026-03-10T00:00:00Z"));
    await tree.write("agent/containerd/io.containerd.grpc.v1.cri/ca.crt", new Date("2026-03-10T00:00:00Z"));
    await tree.write("server/tls/etcd/nested/deep.crt", new Date("2026-03-10T00:00:00Z"));
    const files = (await scan()).certificates.map((c) => c.file);
    expect(files).toContain("server/tls/client-admin.crt");
    expect(
      files.filter((f) => f.includes("tls-") || f.includes("containerd") || f.includes("nested") || f.endsWith(".key")),
    ).toEqual([]);
  });

  it("reports files it cannot read or parse, and keeps going", async () => {
    await writeNode(tree, AGENT_FILES, LEAF_END);
    await tree.writeText(
      "agent/broken.crt",
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    );
    await tree.writeText("agent/empty.crt", "");
    const report = await scan();
    expect(report.certificates).toHaveLength(AGENT_FILES.length);
    expect(report.errors.map((e) => e.file).sort()).toEqual(["agent/broken.crt", "agent/empty.crt"]);
    expect(report.errors.find((e) => e.file === "agent/empty.crt")?.error).toBe("no PEM certificate in the file");
  });

  it("ignores a file deleted between listing and reading (a rotation regenerating it)", async () => {
    await writeNode(tree, AGENT_FILES, LEAF_END);
    const racing: CertTreeFs = {
      list: (path) => nodeCertTreeFs.list(path),
      readText: (path) =>
        path.endsWith("client-kubelet.crt")
          ? Promise.reject(Object.assign(new Error("gone"), { code: "ENOENT" }))
          : nodeCertTreeFs.readText(path),
    };
    const report = await scan(racing);
    expect(report.errors).toEqual([]);
    expect(report.certificates.map((c) => c.file)).not.toContain("agent/client-kubelet.crt");
  });

  it("fails the scan when a folder exists but cannot be listed", async () => {
    const denied: CertTreeFs = {
      list: () => Promise.reject(Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" })),
      readText: () => Promise.resolve(""),
    };
    await expect(scan(denied)).rejects.toThrow("EACCES");
  });
});
