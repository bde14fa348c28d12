/**
 * Starts the real control plane for a test run: the supervisor (supervisor.ts) runs etcd,
 * kube-apiserver, kube-controller-manager and kube-scheduler as its children and stops them all
 * when this process closes its standard input, or when this process dies, however it dies.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assetsDir, binDir } from "./assets.ts";
import type { ControlPlaneInfo } from "./supervisor.ts";

export type { ControlPlaneInfo } from "./supervisor.ts";

export interface RunningControlPlane {
  info: ControlPlaneInfo;
  stop(): Promise<void>;
}

const supervisorPath = join(dirname(fileURLToPath(import.meta.url)), "supervisor.ts");

/** Undefined when this machine has no assets (see assets.ts). */
export async function startControlPlane(): Promise<RunningControlPlane | undefined> {
  const dir = assetsDir();
  if (!dir) return undefined;
  const bin = binDir(dir);
  const child = spawn(process.execPath, [supervisorPath, bin], { stdio: ["pipe", "pipe", "inherit"] });
  const info = await readyLine(child);
  return {
    info,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end();
      await exited;
    },
  };
}

function readyLine(child: ChildProcess): Promise<ControlPlaneInfo> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      const newline = buffered.indexOf("\n");
      if (newline < 0) return;
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      resolve(JSON.parse(buffered.slice(0, newline)) as ControlPlaneInfo);
    };
    const onExit = (code: number | null): void => {
      reject(new Error(`the control plane did not start (supervisor exited ${String(code)})`));
    };
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
  });
}
