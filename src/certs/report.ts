/**
 * One node's certificate inventory as the node-agent DaemonSet reports it (and the simulated
 * cluster, in the same format): when it looked, and per certificate file its expiry and whether
 * it is a CA. The wire form is a compact JSON object in one annotation, a few KiB for a server.
 */
import { z } from "zod";
import { toKubeTime } from "../api/condition.ts";

export interface CertificateEntry {
  /** Relative to RKE2's data dir, e.g. `server/tls/client-admin.crt`. */
  file: string;
  notAfterMs: number;
  isCA: boolean;
}

export interface InventoryReport {
  scannedAtMs: number;
  certificates: CertificateEntry[];
  /** Files that exist but could not be read or parsed, with the reason. */
  errors: { file: string; error: string }[];
}

/** More files than any RKE2 node has; keeps a runaway folder from blowing the annotation size. */
export const MAX_REPORTED_FILES = 200;
export const MAX_REPORTED_ERRORS = 20;
const MAX_ERROR_LENGTH = 200;

const isoTime = z.string().refine((text) => Number.isFinite(Date.parse(text)), "must be an RFC 3339 time");

const WireSchema = z.object({
  v: z.literal(1),
  scannedAt: isoTime,
  files: z.record(z.string().min(1), z.object({ notAfter: isoTime, ca: z.boolean().optional() })),
  errors: z.record(z.string().min(1), z.string()).optional(),
});

function byFile<T extends { file: string }>(a: T, b: T): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** Sorted and bounded, so two scans of the same files give the same report. */
export function normalizeReport(report: InventoryReport): InventoryReport {
  return {
    scannedAtMs: report.scannedAtMs,
    certificates: [...report.certificates].sort(byFile).slice(0, MAX_REPORTED_FILES),
    errors: [...report.errors]
      .sort(byFile)
      .slice(0, MAX_REPORTED_ERRORS)
      .map((entry) => ({ file: entry.file, error: entry.error.slice(0, MAX_ERROR_LENGTH) })),
  };
}

export function encodeReport(report: InventoryReport): string {
  const normal = normalizeReport(report);
  const files: Record<string, { notAfter: string; ca?: boolean }> = {};
  for (const entry of normal.certificates)
    files[entry.file] = { notAfter: toKubeTime(entry.notAfterMs), ...(entry.isCA ? { ca: true } : {}) };
  const errors = Object.fromEntries(normal.errors.map((entry) => [entry.file, entry.error]));
  return JSON.stringify({
    v: 1,
    scannedAt: toKubeTime(normal.scannedAtMs),
    files,
    ...(normal.errors.length > 0 ? { errors } : {}),
  });
}

export type DecodedReport = { ok: true; report: InventoryReport } | { ok: false; message: string };

/** Parses the annotation; never throws (a garbled report is reported, not crashed on). */
export function decodeReport(text: string | undefined): DecodedReport {
  if (text === undefined || text.trim() === "") return { ok: false, message: "no certificate report" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: "the certificate report is not JSON" };
  }
  const parsed = WireSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      message: `the certificate report is malformed: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    };
  const wire = parsed.data;
  return {
    ok: true,
    report: normalizeReport({
      scannedAtMs: Date.parse(wire.scannedAt),
      certificates: Object.entries(wire.files).map(([file, entry]) => ({
        file,
        notAfterMs: Date.parse(entry.notAfter),
        isCA: entry.ca === true,
      })),
      errors: Object.entries(wire.errors ?? {}).map(([file, error]) => ({ file, error })),
    }),
  };
}

/** Same certificates and errors (the scan time aside): nothing to publish. */
export function sameContent(a: InventoryReport, b: InventoryReport): boolean {
  const left = normalizeReport(a);
  const right = normalizeReport(b);
  // Expiries are compared at the second precision the wire keeps.
  const key = (report: InventoryReport): string =>
    JSON.stringify([
      report.certificates.map((c) => [c.file, Math.floor(c.notAfterMs / 1000), c.isCA]),
      report.errors.map((e) => [e.file, e.error]),
    ]);
  return key(left) === key(right);
}
