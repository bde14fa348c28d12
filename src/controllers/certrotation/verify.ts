/**
 * After a node's rotation Job succeeded and the node came back healthy, the inventory must
 * confirm new expiry dates before the rotation counts; a node whose certificates did not change
 * is a failed attempt. Pure.
 *
 * The Job records, in an annotation, the earliest expiry among the leaf certificates it was to
 * renew, as the inventory showed it when the Job was created. The rotation is confirmed once the
 * node's report shows no leaf certificate inside renewBefore and that earliest expiry moved later.
 * The report may lag the restart by a scan interval, so a verdict against it waits until the
 * health-gate timeout after the Job ended.
 */
import { z } from "zod";
import { toKubeTime } from "../../api/condition.ts";
import type { NodeInventory } from "../../certs/inventory-lease.ts";
import { renewedByRotation } from "../../certs/layout.ts";
import type { CertificateEntry } from "../../certs/report.ts";

export const BEFORE_ANNOTATION = "rke2-lifecycle.io/certificates-before";

export interface BeforeRotation {
  file: string;
  notAfterMs: number;
}

const BeforeSchema = z.object({
  file: z.string().min(1),
  notAfter: z.string().refine((text) => Number.isFinite(Date.parse(text))),
});

/** The earliest leaf certificate a rotation of `services` renews; undefined without a report. */
export function beforeRotation(
  certificates: readonly CertificateEntry[],
  services: readonly string[],
): BeforeRotation | undefined {
  const rotated = certificates.filter((cert) => !cert.isCA && renewedByRotation(cert.file, services));
  const earliest = rotated.reduce<CertificateEntry | undefined>(
    (min, cert) => (min === undefined || cert.notAfterMs < min.notAfterMs ? cert : min),
    undefined,
  );
  return earliest && { file: earliest.file, notAfterMs: earliest.notAfterMs };
}

export function encodeBefore(before: BeforeRotation): string {
  return JSON.stringify({ file: before.file, notAfter: toKubeTime(before.notAfterMs) });
}

export function decodeBefore(text: string | undefined): BeforeRotation | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = BeforeSchema.safeParse(JSON.parse(text));
    return parsed.success ? { file: parsed.data.file, notAfterMs: Date.parse(parsed.data.notAfter) } : undefined;
  } catch {
    return undefined;
  }
}

/** A succeeded rotation Job of the current target. */
export interface RotationRecord {
  job: string;
  attempt: number;
  completedAtMs: number;
  before: BeforeRotation | undefined;
}

export type Verification =
  | { state: "confirmed" }
  | { state: "pending"; message: string; recheckInMs: number }
  | { state: "failed"; message: string };

export interface VerifyInput {
  record: RotationRecord;
  inventory: NodeInventory | undefined;
  services: readonly string[];
  renewBeforeMs: number;
  /** How long after the Job ended the inventory may take to confirm. */
  timeoutMs: number;
  nowMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What keeps the rotation from counting, or undefined when the inventory confirms it. Without a
 * `before` (the rotation's services name no certificate the node reported) only the due check
 * applies: there was nothing the rotation itself could change.
 */
export function unconfirmedBecause(input: VerifyInput): string | undefined {
  const { record, services, renewBeforeMs, nowMs } = input;
  const report = input.inventory?.report;
  if (!report) return input.inventory?.problem ?? "no certificate inventory report for the node";
  const leaves = report.certificates.filter((cert) => !cert.isCA);
  const due = leaves.filter((cert) => cert.notAfterMs - nowMs <= renewBeforeMs);
  if (due.length > 0) {
    const outside = due.filter((cert) => !renewedByRotation(cert.file, services)).map((cert) => cert.file);
    const hint = outside.length > 0 ? ` (${outside.join(", ")} not covered by spec.services)` : "";
    const firstAt = iso(Math.min(...due.map((cert) => cert.notAfterMs)));
    return `${due.map((cert) => cert.file).join(", ")} still expire(s) within renewBefore, first at ${firstAt}${hint}`;
  }
  if (record.before) {
    const after = beforeRotation(leaves, services);
    if (after === undefined || after.notAfterMs <= record.before.notAfterMs)
      return `${record.before.file} still expires ${iso(record.before.notAfterMs)}: not renewed`;
  }
  return undefined;
}

export function verifyRotation(input: VerifyInput): Verification {
  const problem = unconfirmedBecause(input);
  if (problem === undefined) return { state: "confirmed" };
  const deadline = input.record.completedAtMs + input.timeoutMs;
  if (input.nowMs < deadline) {
    return {
      state: "pending",
      message: `waiting for the certificate inventory to confirm renewed certificates (${problem})`,
      recheckInMs: deadline - input.nowMs,
    };
  }
  return { state: "failed", message: `certificates did not change after rotation: ${problem}` };
}
