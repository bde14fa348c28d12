/** `rke2-lifecycle demo` end to end: the story the README promises, on the simulated cluster. */
import { expect, it } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/main.ts";

it("upgrades the 7-node simulated cluster tier by tier, one etcd member at a time", async () => {
  let out = "";
  const io = {
    stdout: (text: string) => {
      out += text;
    },
    stderr: (text: string) => {
      out += text;
    },
  };
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "demo-")), "kubeconfig");
  const code = await main(
    ["demo", "--time-scale", "0.02", "--timeout", "120", "--kubeconfig-out", kubeconfig, "--log-level", "silent"],
    {},
    io,
  );
  expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
  expect(out).toContain("done: every node runs v1.31.4+rke2r1");
  const order = /order observed: (.*)/.exec(out)?.[1]?.split(" -> ") ?? [];
  expect(order.slice(0, 4)).toEqual(["etcd-1", "server-1", "server-2", "cp-1"]);
  expect(order.slice(4).sort()).toEqual(["agent-1", "agent-2", "agent-3"]);
  expect(out).toContain("most etcd members out at once (not Ready or cordoned): 1");
  expect(out).toMatch(/EtcdSnapshotPolicy every-minute: .*Ready=True/);
  // The CertRotation rotated server-1's near-expiry certificate (read back from the simulated node).
  expect(out).toMatch(/CertRotation default: Rotating \| ExpiringSoon=True .*\| nodes: server-1 /);
  expect(out).toMatch(/certificate rotated: server-1 client-admin\.crt, 20 days left -> expires \d{4}-/);
  // Not a terminal: the line log, every line under 160 characters.
  const lines = out.split("\n");
  expect(lines.filter((line) => line.length >= 160)).toEqual([]);
  expect(out).not.toContain("\u001b[");
  expect(code).toBe(0);
}, 180_000);
