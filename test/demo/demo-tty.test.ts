/**
 * `rke2-lifecycle demo` on a terminal: run in a pseudo-terminal by util-linux `script` (Debian's
 * essential bsdutils package, so every CI image has it), its output replayed into a headless
 * xterm.js terminal of the same size. The final screen must hold one frame (redrawn in place, not
 * a scrolling log) with every tier at the target, and the measured summary under it.
 */
import { expect, it } from "@jest/globals";
import { Terminal } from "@xterm/headless";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../support/cli-process.ts";

const run = promisify(execFile);
const COLUMNS = 110;
const ROWS = 45;
const ESC = "\\u001b";

function screenOf(output: string): Promise<string[]> {
  const terminal = new Terminal({ cols: COLUMNS, rows: ROWS, allowProposedApi: true });
  return new Promise((resolve) => {
    terminal.write(output, () => {
      const buffer = terminal.buffer.active;
      resolve(Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? ""));
    });
  });
}

it("redraws one live frame in place on a terminal and ends with the measured summary", async () => {
  expect(spawnSync("script", ["--version"]).status).toBe(0);
  const kubeconfig = join(mkdtempSync(join(tmpdir(), "demo-tty-")), "kubeconfig");
  const demo = [process.execPath, "src/main.ts", "demo", "--time-scale", "0.02", "--timeout", "120"];
  const args = [...demo, "--kubeconfig-out", kubeconfig, "--log-level", "silent"];
  const command = `stty cols ${COLUMNS} rows ${ROWS}; exec ${args.join(" ")}`;
  const { stdout } = await run("script", ["-q", "-e", "-c", command, "/dev/null"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: tmpdir(), TERM: "xterm" },
    timeout: 170_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  // Redrawn in place: cursor-previous-line and erase-below between frames.
  expect(stdout).toMatch(new RegExp(`${ESC}\\[\\d+F${ESC}\\[J`));
  const screen = (await screenOf(stdout)).join("\n");
  const count = (text: string): number => screen.split(text).length - 1;
  expect(count("UpgradePlan to-v1-31 -> v1.31.4+rke2r1")).toBe(1);
  expect(screen).toContain("UpgradePlan to-v1-31 -> v1.31.4+rke2r1   Succeeded   7/7 upgraded");
  expect(screen).toMatch(/ {2}etcd {11}█{24} 3\/3\n/);
  expect(screen).toMatch(/ {2}control-plane {2}█{24} 1\/1\n/);
  expect(screen).toMatch(/ {2}worker {9}█{24} 3\/3\n/);
  for (const name of ["etcd-1", "server-1", "server-2", "cp-1", "agent-1", "agent-2", "agent-3"]) {
    expect(screen).toMatch(new RegExp(`✓ ${name} +\\S+ +v1\\.31\\.4\\+rke2r1 +Ready\\n`));
  }
  expect(screen).toMatch(
    /watched certificate: server-1 server\/tls\/client-admin\.crt expires \d{4}-\d\d-\d\d \(in 36\dd\)/,
  );
  expect(screen).toContain("done: every node runs v1.31.4+rke2r1.");
  expect(screen).toContain("order observed: etcd-1 -> server-1 -> server-2 -> cp-1 -> agent-");
  expect(screen).toContain("most etcd members out at once (not Ready or cordoned): 1");
}, 180_000);
