/**
 * `status.preview` and `status.estimatedCompletion` of the rollout owners (UpgradePlan,
 * CertRotation): what the rollout will do before it starts or while it is paused, and when a
 * running one should end. The preview is bounded: past {@link PREVIEW_NAME_CHARS} characters of
 * node names it gives counts and name ranges; `rke2-lifecycle plan preview` prints the full list.
 */
import { z } from "zod";
import { boundedString, timestamp } from "./fields.ts";

/** Characters of node names the status preview lists, over all tiers, before it gives ranges. */
export const PREVIEW_NAME_CHARS = 2048;
/** Batches a tier lists by name at most (the rest is summarized). */
export const PREVIEW_MAX_BATCHES = 64;
export const PREVIEW_TIERS = ["etcd", "control-plane", "worker"] as const;

const count = (description: string) => z.int().min(0).describe(description);

export const TierPreviewSchema = z
  .object({
    tier: z.enum(PREVIEW_TIERS).describe("etcd, control-plane or worker, in rollout order."),
    concurrency: count("Nodes of the tier worked on at once (etcd: always 1)."),
    quorumGuard: z
      .boolean()
      .optional()
      .describe("Each node starts only while every etcd member is healthy and none is worked on."),
    nodes: count("Nodes of the tier still to change (in progress included)."),
    batchCount: count("Batches: groups of nodes that go together."),
    batches: z
      .array(boundedString("Nodes going together, comma-separated, or a range `first .. last (n nodes)`.", 4096))
      .max(PREVIEW_MAX_BATCHES)
      .optional()
      .describe("The first batches in start order, as many as the size bound allows."),
    more: boundedString("The batches not listed: count, nodes and name range.", 1024).optional(),
    skipped: count("Nodes already at the target: never disrupted."),
    skippedNodes: boundedString("Their names, comma-separated, when the size bound allows.", 4096).optional(),
    estimatedDuration: boundedString("Batches times the per-node estimate (a Go duration).", 32),
    soakBefore: boundedString(
      "healthGate.tierSoak this tier waits for after the previous one completes (in the rollout's estimate).",
      32,
    ).optional(),
    awaitingApproval: z
      .boolean()
      .optional()
      .describe("Named in spec.approval.tiers and not in spec.approval.approved: no node of it starts until it is."),
  })
  .describe("One tier of the rollout.");

export const PreviewStatusSchema = z
  .object({
    nodes: count("Nodes still to change."),
    skipped: count("Nodes already at the target."),
    estimatedDuration: boundedString(
      "The whole rollout, tiers and their soaks one after the other (a Go duration); approvals not counted.",
      32,
    ),
    estimateBasis: boundedString("What the per-node estimate is based on.", 256),
    truncated: z.boolean().describe("Names were left out to bound the size: the CLI prints them all."),
    tiers: z.array(TierPreviewSchema).max(PREVIEW_TIERS.length).describe("Tiers in rollout order."),
  })
  .describe("What the rollout will do; present before it starts and while it is paused.");
export type PreviewStatus = z.infer<typeof PreviewStatusSchema>;

export const previewField = () => PreviewStatusSchema.optional();
export const estimatedCompletionField = () =>
  timestamp(
    "While nodes are being changed: when the rollout should end (median node duration per tier " +
      "measured in this rollout times the batches left), rounded up to the minute.",
  ).optional();

/** The -o wide column of the owners. */
export const ETA_COLUMN = {
  name: "ETA",
  type: "string",
  jsonPath: ".status.estimatedCompletion",
  description: "When the running rollout should end.",
  priority: 1,
} as const;
