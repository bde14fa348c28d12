/**
 * What the engine records on the Node itself, so that progress survives operator restarts and the
 * custom resource's status stays small at any cluster size:
 * - the claim annotation, written in the same patch that cordons the node (one atomic write, with
 *   the node's resourceVersion as precondition): who works on the node, for which target, which
 *   attempt, and whether the node was already cordoned before we touched it;
 * - the completion label `rke2-lifecycle.io/<kind>.<name>=<hash of target>`, written with the
 *   uncordon when the node passed its health gate.
 */
import { z } from "zod";
import { shortHash } from "../nodeops/job.ts";

export const CLAIM_ANNOTATION = "rke2-lifecycle.io/rollout";
const LABEL_PREFIX = "rke2-lifecycle.io/";
const MAX_LABEL_NAME = 63;
const TARGET_HASH_LENGTH = 16;

const ClaimSchema = z.object({
  /** `<Kind>/<name>` of the custom resource working on the node. */
  owner: z.string().min(1),
  /** {@link targetHash} of what the owner brings the node to. */
  target: z.string().min(1),
  /** Attempts begun for this target. */
  attempts: z.int().min(0),
  /** Set while an attempt runs (RFC 3339); absent between attempts. */
  attemptStartedAt: z.string().optional(),
  /** The node was cordoned before we claimed it: we never uncordon it. */
  wasUnschedulable: z.boolean(),
  /** First claim, for the per-node duration metric. */
  claimedAt: z.string(),
  /** Set once the node ran out of attempts: the owner halts until told to retry. */
  failed: z.string().optional(),
});
export type NodeClaim = z.infer<typeof ClaimSchema>;

/** The claim on a node, or undefined when there is none or it is unreadable (never throws). */
export function readClaim(annotations: Record<string, string> | undefined): NodeClaim | undefined {
  const text = annotations?.[CLAIM_ANNOTATION];
  if (text === undefined) return undefined;
  try {
    const parsed = ClaimSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function encodeClaim(claim: NodeClaim): string {
  return JSON.stringify(claim);
}

export function ownerId(kind: string, name: string): string {
  return `${kind}/${name}`;
}

/** The completion label's value: a hash, since versions hold `+` and label values cannot. */
export function targetHash(target: string): string {
  return shortHash(target, TARGET_HASH_LENGTH);
}

/**
 * `rke2-lifecycle.io/upgradeplan.<name>`. A label name holds at most 63 characters, and object
 * names up to 253: a long name is cut and suffixed with a hash of the whole name so that two
 * long names sharing a prefix still get different labels.
 */
export function completionLabelKey(kind: string, name: string): string {
  const full = `${kind.toLowerCase()}.${name}`;
  if (full.length <= MAX_LABEL_NAME) return LABEL_PREFIX + full;
  const hash = shortHash(name, 10);
  const room = MAX_LABEL_NAME - hash.length - 1;
  const head = full.slice(0, room).replace(/[^A-Za-z0-9]+$/, "");
  return `${LABEL_PREFIX}${head}-${hash}`;
}

const CompletionRecordSchema = z.object({
  /** {@link targetHash} the node was brought to. */
  target: z.string().min(1),
  /** From the first claim to the health gate passed, in ms (what the duration metric observes). */
  durationMs: z.int().min(0),
  finishedAt: z.string(),
});
type CompletionRecord = z.infer<typeof CompletionRecordSchema>;

/**
 * The annotation written with the completion label, under the same key: how long the node took.
 * The ETA of a rollout is computed from these (rollout/eta.ts), so it survives operator restarts.
 */
export function completionRecord(
  key: string,
  input: { targetHash: string; now: number },
  durationMs: number | undefined,
): Record<string, string> {
  if (durationMs === undefined) return {};
  const record: CompletionRecord = {
    target: input.targetHash,
    durationMs: Math.max(0, Math.round(durationMs)),
    finishedAt: new Date(input.now).toISOString(),
  };
  return { [key]: JSON.stringify(record) };
}

/** The node's recorded duration for this target in ms, or undefined (none, another target, unreadable). */
export function recordedDurationMs(
  annotations: Record<string, string> | undefined,
  key: string,
  hash: string,
): number | undefined {
  const text = annotations?.[key];
  if (text === undefined) return undefined;
  try {
    const parsed = CompletionRecordSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.target === hash ? parsed.data.durationMs : undefined;
  } catch {
    return undefined;
  }
}
