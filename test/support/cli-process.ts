/**
 * The CLI as a person runs it: a child process (`node src/main.ts ...`, or any program such as a
 * stock kubectl running the `kubectl rke2` plugin) with only PATH, an empty HOME (no
 * ~/.kube/config) and the given variables.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const run = promisify(execFile);

export interface Outcome {
  code: number;
  out: string;
  err: string;
}

/** Runs a program; never throws on exit codes. */
export async function runProgram(file: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const home = mkdtempSync(join(tmpdir(), "cli-home-"));
  try {
    const options = { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? "", HOME: home, ...env }, timeout: 90_000 };
    const { stdout, stderr } = await run(file, args, options);
    return { code: 0, out: stdout, err: stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    const code = typeof failed.code === "number" ? failed.code : -1;
    return { code, out: failed.stdout ?? "", err: failed.stderr ?? "" };
  }
}

/** `rke2-lifecycle <args>` from this checkout. */
export const runCli = (args: string[], env: Record<string, string> = {}): Promise<Outcome> =>
  runProgram(process.execPath, ["src/main.ts", ...args], env);

/** The environment for `kubectl rke2 ...`: bin/ (where kubectl-rke2 is) first on the PATH. */
export function pluginEnv(kubeconfig: string): Record<string, string> {
  return { KUBECONFIG: kubeconfig, PATH: `${join(REPO_ROOT, "bin")}:${process.env.PATH ?? ""}` };
}
