/**
 * What a node Job reports. The node-agent writes exactly one JSON object to its termination
 * message (/dev/termination-log, at most 4 KiB as the kubelet truncates beyond that); the operator
 * reads it from the pod's `status.containerStatuses[].state.terminated.message` and parses it here.
 * Logs are for people; this is the machine channel. The simulated kubelet writes the same shapes.
 */
import { z } from "zod";

/** Kubernetes truncates termination messages beyond this many bytes. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

export const NODE_ACTIONS = ["upgrade", "snapshot-save", "snapshot-delete", "cert-rotate", "restore-drill"] as const;
export type NodeAction = (typeof NODE_ACTIONS)[number];

export const snapshotRecordSchema = z.object({
  /** RKE2's snapshot name: `<prefix>-<node>-<unix-ts>`. */
  name: z.string().min(1),
  node: z.string().min(1),
  /** `file:///var/lib/rancher/rke2/server/db/snapshots/<name>` or `s3://<bucket>/<folder>/<name>`. */
  location: z.string().min(1),
  size: z.number().int().nonnegative(),
  /** RFC 3339 time RKE2 recorded for the snapshot. */
  createdAt: z.string().min(1),
  /**
   * Digests of the file on the node, taken by the node-agent right after the save (./digest.ts).
   * An S3 copy carries the digests of the file it was uploaded from. Absent from older agents.
   */
  digest: z
    .object({
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      md5: z.string().regex(/^[0-9a-f]{32}$/),
      multipartEtag: z
        .string()
        .regex(/^[0-9a-f]{32}-[0-9]+$/)
        .optional(),
    })
    .optional(),
});
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

const failure = z.object({ ok: z.literal(false), error: z.string().min(1) });

export const snapshotSaveResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    action: z.literal("snapshot-save"),
    snapshots: z.array(snapshotRecordSchema).min(1),
  }),
  failure.extend({ action: z.literal("snapshot-save") }),
]);
export type SnapshotSaveResult = z.infer<typeof snapshotSaveResultSchema>;

export const snapshotDeleteResultSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), action: z.literal("snapshot-delete"), deleted: z.array(z.string()) }),
  failure.extend({ action: z.literal("snapshot-delete") }),
]);
export type SnapshotDeleteResult = z.infer<typeof snapshotDeleteResultSchema>;

export const certRotateResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    action: z.literal("cert-rotate"),
    /** Services passed to `rke2 certificate rotate -s`; empty = all. */
    services: z.array(z.string()),
    /** Where RKE2 backed up the old tls folder, when it said. */
    backupDir: z.string().optional(),
  }),
  failure.extend({ action: z.literal("cert-rotate") }),
]);
export type CertRotateResult = z.infer<typeof certRotateResultSchema>;

export const restoreDrillResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    action: z.literal("restore-drill"),
    /** The snapshot's file name. */
    snapshot: z.string().min(1),
    /** The revision the restored member serves. */
    revision: z.number().int().nonnegative(),
    /** Keys it holds (the current ones, not their history). */
    keys: z.number().int().nonnegative(),
    /** `etcdctl endpoint hashkv` of the restored member. */
    hashKV: z.number().int().nonnegative(),
  }),
  failure.extend({ action: z.literal("restore-drill"), snapshot: z.string().optional() }),
]);
export type RestoreDrillResult = z.infer<typeof restoreDrillResultSchema>;

export const nodeActionResultSchema = z.union([
  snapshotSaveResultSchema,
  snapshotDeleteResultSchema,
  certRotateResultSchema,
  restoreDrillResultSchema,
]);
export type NodeActionResult = z.infer<typeof nodeActionResultSchema>;

/** Serialises a result for the termination message, failing loudly rather than being truncated. */
export function encodeResult(result: NodeActionResult): string {
  const text = JSON.stringify(result);
  if (Buffer.byteLength(text) > TERMINATION_MESSAGE_LIMIT) {
    throw new Error(
      `node action result is ${Buffer.byteLength(text)} bytes, ` +
        `over the ${TERMINATION_MESSAGE_LIMIT}-byte termination message limit`,
    );
  }
  return text;
}

export type DecodedResult = { ok: true; result: NodeActionResult } | { ok: false; message: string };

/** Parses a termination message; never throws (a garbled message is reported, not crashed on). */
export function decodeResult(message: string | undefined): DecodedResult {
  if (!message?.trim()) return { ok: false, message: "the node Job wrote no termination message" };
  let raw: unknown;
  try {
    raw = JSON.parse(message);
  } catch {
    return { ok: false, message: `termination message is not JSON: ${message.slice(0, 200)}` };
  }
  const parsed = nodeActionResultSchema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      message:
        "termination message does not match a node action result: " + (parsed.error.issues[0]?.message ?? "invalid"),
    };
  return { ok: true, result: parsed.data };
}
