import { pino, type DestinationStream } from "pino";
import type { Logger } from "../runtime/logger.ts";

export type { Logger };

/**
 * Paths pino blanks out wherever they appear: secrets must never reach logs (docs/testing.md,
 * safety invariant 8).
 * Wildcards cover one level of nesting; code must still never log a Secret's data wholesale.
 */
export const REDACTED_PATHS = [
  "accessKey",
  "secretKey",
  "sessionToken",
  "token",
  "password",
  "authorization",
  "*.accessKey",
  "*.secretKey",
  "*.sessionToken",
  "*.token",
  "*.password",
  "*.authorization",
  "*.headers.authorization",
  "data",
  "*.data",
  "stringData",
  "*.stringData",
];

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { app: "rke2-lifecycle-operator" },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[REDACTED]" },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}

/** A logger that writes nothing, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
