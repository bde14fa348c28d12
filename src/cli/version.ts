import { buildInfo } from "../version.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

export const VERSION_HELP = `Usage: ${PROGRAM} version

Prints the version of ${PROGRAM} (from its package.json) and of the Node.js running it.
'${PROGRAM} --version' prints the same line.
`;

/** `rke2-lifecycle 0.1.0 (node v24.21.0)`: one line, as `kubectl version --client` keeps it short. */
export function versionLine(): string {
  const { version, nodeVersion } = buildInfo();
  return `${PROGRAM} ${version} (node ${nodeVersion})\n`;
}

export function runVersionCommand(argv: readonly string[], io: CliIo): ExitCode {
  if (wantsHelp(argv)) {
    io.stdout(VERSION_HELP);
    return 0;
  }
  if (argv.length > 0) return usageError(io, "version", `unexpected argument ${argv[0] ?? ""}`);
  io.stdout(versionLine());
  return 0;
}
