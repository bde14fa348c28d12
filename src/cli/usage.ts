/** A subcommand's outcome: the process exit code (0 ok, 1 failure, 2 usage error). */
export type ExitCode = 0 | 1 | 2;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The size of the terminal stdout writes to; undefined (or absent) when stdout is not a terminal. */
  terminalSize?: () => { columns: number; rows: number } | undefined;
}

export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  terminalSize: () =>
    process.stdout.isTTY ? { columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 } : undefined,
};

export const PROGRAM = "rke2-lifecycle";

/** Bad input: one line on stderr naming what is wrong, and exit code 2. */
export function usageError(io: CliIo, command: string, message: string): ExitCode {
  io.stderr(`${PROGRAM} ${command}: ${message} (see '${PROGRAM} ${command} --help')\n`);
  return 2;
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes("--help") || argv.includes("-h");
}
