/**
 * The restore drill with REAL etcd tools, end to end: the real lane's etcd server (3.4.23) and
 * etcdctl from PATH (Debian's etcd-client) on two recorded RKE2-style zip snapshots, a good one
 * and one with 8 bytes overwritten. Runs only where both tools are present (CI: the real lane's
 * assets plus `apt-get install etcd-client`); the recorded-output tests in restore-drill.test.ts
 * run everywhere.
 */
import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeDrillHost } from "../../../../src/nodeops/agent/drill-host.ts";
import { nodeFs, processRunner } from "../../../../src/nodeops/agent/host.ts";
import { restoreDrill } from "../../../../src/nodeops/agent/restore-drill.ts";
import { assetsDir, binDir } from "../../../support/control-plane/assets.ts";

const HERE = new URL("./drill-snapshots/", import.meta.url).pathname;

function findEtcdctl(): string | undefined {
  try {
    return execFileSync("sh", ["-c", "command -v etcdctl"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function findEtcd(): string | undefined {
  const dir = assetsDir();
  if (dir === undefined) return undefined;
  const etcd = join(binDir(dir), "etcd");
  return existsSync(etcd) ? etcd : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

const etcd = findEtcd();
const etcdctl = findEtcdctl();
const withTools = etcd && etcdctl ? describe : describe.skip;

withTools("restore drill with real etcd tools (needs the real lane's etcd and etcdctl on PATH)", () => {
  async function drillOn(file: string) {
    const root = mkdtempSync(join(tmpdir(), "drill-real-"));
    const snapshots = join(root, "host/var/lib/rancher/rke2/server/db/snapshots");
    mkdirSync(snapshots, { recursive: true });
    mkdirSync(join(root, "scratch"));
    copyFileSync(join(HERE, file), join(snapshots, file));
    const host = {
      runner: processRunner,
      fs: nodeFs,
      env: { PATH: process.env.PATH, ETCD_BIN: etcd, ETCDCTL_BIN: etcdctl },
      hostRoot: join(root, "host"),
    };
    const options = {
      snapshot: `/var/lib/rancher/rke2/server/db/snapshots/${file}`,
      scratch: join(root, "scratch"),
      clientPort: await freePort(),
      peerPort: await freePort(),
    };
    try {
      const result = await restoreDrill(host, nodeDrillHost, options, () => undefined);
      return { result, leftInScratch: readdirSync(join(root, "scratch")) };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it("a good snapshot restores and serves its revision, keys and kube-system", async () => {
    const { result, leftInScratch } = await drillOn("good-server-1-1765065600.zip");
    expect(result).toMatchObject({ ok: true, snapshot: "good-server-1-1765065600.zip", revision: 44, keys: 42 });
    expect(leftInScratch).toEqual([]);
  }, 60_000);

  it("a corrupt snapshot fails the SHA-256 check", async () => {
    const { result, leftInScratch } = await drillOn("corrupt-server-1-1765065600.zip");
    expect(result.ok).toBe(false);
    expect(result.ok ? "" : result.error).toMatch(/^restore failed: Error: expected sha256 \[/);
    expect(leftInScratch).toEqual([]);
  }, 60_000);
});
