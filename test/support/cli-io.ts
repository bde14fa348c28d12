/** A `CliIo` that keeps what the CLI printed, for tests that call `main` in process. */
import type { CliIo } from "../../src/cli/usage.ts";

export function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}
