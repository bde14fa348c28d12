/**
 * CLI hygiene, argv in and stdout, stderr and exit code out: --version, `--flag=false` on
 * booleans, --help on every command and node-agent subcommand, and one plain line for a missing
 * kubeconfig (run as a child process, so what a person sees is what is checked).
 */
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, mainHelp } from "../../../src/main.ts";
import { captureIo } from "../../support/cli-io.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

/** `node src/main.ts <argv>` with only PATH and HOME (an empty folder: no ~/.kube/config). */
function runCli(argv: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const home = mkdtempSync(join(tmpdir(), "cli-home-"));
  const result = spawnSync(process.execPath, ["src/main.ts", ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

const COMMANDS = mainHelp()
  .split("\n")
  .flatMap((line) => /^ {2}(\S+) {2,}/.exec(line)?.[1] ?? []);
const AGENT_SUBCOMMANDS = ["snapshot-save", "snapshot-delete", "cert-rotate", "cert-inventory"];

describe("rke2-lifecycle --version and version", () => {
  it.each([[["--version"]], [["version"]]])("%j prints the package and Node.js versions", async (argv) => {
    const io = captureIo();
    expect(await main(argv, {}, io)).toBe(0);
    expect(io.out).toBe(`rke2-lifecycle ${version} (node ${process.version})\n`);
    expect(io.err).toBe("");
  });

  it("the top-level help lists the version command and --version", () => {
    expect(COMMANDS).toContain("version");
    expect(mainHelp()).toContain("'rke2-lifecycle --version'");
  });

  it("as a process, --version answers on stdout alone", () => {
    const { code, out, err } = runCli(["--version"]);
    expect([code, out, err]).toEqual([0, `rke2-lifecycle ${version} (node ${process.version})\n`, ""]);
  });
});

describe("--help on every command", () => {
  it("finds the commands in the top-level help", () => {
    expect(COMMANDS).toEqual(expect.arrayContaining(["operator", "node-agent", "crds", "version", "demo", "sim"]));
  });

  it.each(COMMANDS)("%s --help prints its usage and exits 0", async (command) => {
    const io = captureIo();
    expect(await main([command, "--help"], {}, io)).toBe(0);
    expect(io.out).toMatch(new RegExp(`^Usage: rke2-lifecycle ${command}( |\\n)`));
    expect(io.err).toBe("");
  });

  it.each(AGENT_SUBCOMMANDS)("node-agent %s --help prints its usage and exits 0", (subcommand) => {
    const { code, out, err } = runCli(["node-agent", subcommand, "--help"], {
      TERMINATION_LOG_PATH: "/nonexistent/log",
    });
    expect([code, err]).toEqual([0, ""]);
    expect(out).toMatch(new RegExp(`^Usage: rke2-lifecycle node-agent ${subcommand} `));
  });
});

describe("the operator without a kubeconfig", () => {
  it("accepts --leader-elect=false and says what is missing in one plain line", () => {
    const { code, out, err } = runCli(["operator", "--leader-elect=false", "--listen-port", "0"]);
    expect(code).toBe(1);
    expect(err).toBe(
      "rke2-lifecycle operator: no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, " +
        "or run in a pod (--in-cluster)\n",
    );
    // stdout holds the start line with the version, and no error record.
    const records = out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        level: "info",
        msg: "rke2-lifecycle-operator starting",
        version,
        nodeVersion: process.version,
      }),
    ]);
  });

  it("names a kubeconfig path that does not exist, in one line", () => {
    const { code, err } = runCli(["operator", "--kubeconfig", "/nonexistent/kubeconfig"]);
    expect(code).toBe(1);
    expect(err).toBe("rke2-lifecycle operator: --kubeconfig: /nonexistent/kubeconfig does not exist\n");
  });

  it("refuses a boolean flag with a value that is no boolean, exit 2", () => {
    const { code, err } = runCli(["operator", "--leader-elect=sometimes"]);
    expect(code).toBe(2);
    expect(err).toBe(
      'rke2-lifecycle operator: --leader-elect: expected true or false, got "sometimes" ' +
        "(see 'rke2-lifecycle operator --help')\n",
    );
  });
});
