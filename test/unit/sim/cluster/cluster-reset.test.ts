/** The SIMULATED cluster reset refuses the orders and shortcuts that break a real restore. */
import { describe, expect, it } from "@jest/globals";
import { SimulatedClusterReset } from "../../../../src/sim/cluster/cluster-reset.ts";

const DB = "/var/lib/rancher/rke2/server/db";
const FILE = `${DB}/snapshots/nightly-server-1-1765065600`;
const RESET = `sudo rke2 server --cluster-reset --cluster-reset-restore-path=${FILE} --etcd-s3=false`;

function world(): SimulatedClusterReset {
  const server = (name: string, etcd = true) => ({ name, etcd, dataDir: "/var/lib/rancher/rke2" });
  return new SimulatedClusterReset({
    servers: [{ ...server("server-1"), files: [FILE] }, server("etcd-1"), server("cp-1", false)],
  });
}

function stopAll(reset: SimulatedClusterReset): void {
  for (const node of ["server-1", "etcd-1", "cp-1"])
    expect(reset.run(node, "sudo systemctl stop rke2-server").ok).toBe(true);
}

describe("simulated cluster reset", () => {
  it("refuses a reset while another server still runs", () => {
    const reset = world();
    reset.run("server-1", "sudo systemctl stop rke2-server");
    expect(reset.run("server-1", RESET)).toEqual({ ok: false, error: "rke2-server still runs on etcd-1, cp-1" });
  });

  it("an etcd server that kept its old server/db cannot rejoin; once moved aside it does, snapshots kept", () => {
    const reset = world();
    stopAll(reset);
    expect(reset.run("server-1", RESET).ok).toBe(true);
    expect(reset.run("server-1", "sudo systemctl start rke2-server").ok).toBe(true);
    expect(reset.run("etcd-1", "sudo systemctl start rke2-server")).toMatchObject({ ok: false });
    expect(reset.run("etcd-1", `sudo mv ${DB} ${DB}.pre-restore-x`).ok).toBe(true);
    expect(reset.run("etcd-1", "sudo systemctl start rke2-server").ok).toBe(true);
    expect(reset.run(undefined, "kubectl -n kube-system wait --for=condition=Ready pod/etcd-etcd-1").ok).toBe(true);
    expect(reset.state().members.sort()).toEqual(["etcd-1", "server-1"]);
  });

  it("a joining server needs the restored one running first", () => {
    const reset = world();
    stopAll(reset);
    expect(reset.run("etcd-1", `sudo mv ${DB} ${DB}.old`).ok).toBe(true);
    expect(reset.run("server-1", RESET).ok).toBe(true);
    expect(reset.run("etcd-1", "sudo systemctl start rke2-server")).toMatchObject({ ok: false });
  });

  it("refuses rm, a missing file, a second reset in a row and another token", () => {
    const reset = world();
    stopAll(reset);
    expect(reset.run("etcd-1", `sudo rm -rf ${DB}`)).toMatchObject({ ok: false });
    expect(reset.run("etcd-1", RESET)).toMatchObject({
      ok: false,
      error: expect.stringContaining("not found on etcd-1"),
    });
    expect(reset.run("server-1", `${RESET} --token=other`)).toMatchObject({
      ok: false,
      error: "bootstrap data already found and encrypted with different token",
    });
    expect(reset.run("server-1", RESET).ok).toBe(true);
    expect(reset.run("server-1", RESET)).toMatchObject({ ok: false, error: expect.stringContaining("reset-flag") });
  });
});
