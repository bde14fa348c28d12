/** The real DrillHost (restore-drill.ts): child processes, the container's filesystem, yauzl for RKE2's zip. */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import type { CommandResult } from "./host.ts";
import type { BackgroundProcess, DrillHost } from "./restore-drill.ts";

/** What a long-running tool may print that is worth keeping for an error message. */
const KEPT_OUTPUT_BYTES = 16 * 1024;

function startProcess(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BackgroundProcess {
  const [program, ...args] = argv;
  const cleanEnv = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  let stdout = "";
  let stderr = "";
  const keep = (text: string, chunk: Buffer): string => (text + chunk.toString("utf8")).slice(-KEPT_OUTPUT_BYTES);
  const child = spawn(program ?? "", args, { env: cleanEnv, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (chunk: Buffer) => (stdout = keep(stdout, chunk)));
  child.stderr.on("data", (chunk: Buffer) => (stderr = keep(stderr, chunk)));
  const ended = new Promise<CommandResult>((resolve) => {
    child.on("error", (err) => {
      resolve({ exitCode: 127, stdout, stderr: `${stderr}\ncannot run ${program}: ${err.message}` });
    });
    child.on("close", (code) => {
      resolve({ exitCode: code ?? 128, stdout, stderr });
    });
  });
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      try {
        return await ended;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function unzipSingle(zip: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    yauzl.open(zip, { lazyEntries: true, autoClose: true }, (openError, archive) => {
      if (openError) {
        reject(openError);
        return;
      }
      let extracted = false;
      archive.on("error", reject);
      archive.on("end", () => {
        if (extracted) resolve();
        else reject(new Error("the archive holds no file"));
      });
      archive.on("entry", (entry: yauzl.Entry) => {
        if (extracted || entry.fileName.endsWith("/")) {
          archive.readEntry();
          return;
        }
        extracted = true;
        archive.openReadStream(entry, (streamError, stream) => {
          if (streamError) {
            reject(streamError);
            return;
          }
          pipeline(stream, createWriteStream(to, { mode: 0o600 }))
            .then(() => {
              archive.readEntry();
            })
            .catch(reject);
        });
      });
      archive.readEntry();
    });
  });
}

export const nodeDrillHost: DrillHost = {
  start: startProcess,
  async fileSize(path) {
    try {
      const info = await stat(path);
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  },
  makeScratch: (parent) => mkdtemp(join(parent, "restore-drill-")),
  removeScratch: (dir) => rm(dir, { recursive: true, force: true }),
  unzipSingle,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
