/**
 * A rollout preview as the owner's status shows it, pure and bounded: node names up to a
 * character budget shared by all tiers, then counts and name ranges. The same preview always
 * renders the same way, so a reconcile that observes nothing new writes nothing new.
 */
import { PREVIEW_MAX_BATCHES, PREVIEW_NAME_CHARS, type PreviewStatus } from "../api/preview.ts";
import { DEFAULT_NODE_WORK_MS, formatEstimate } from "./eta.ts";
import { formatMs } from "./health.ts";
import type { RolloutPreview, TierPreview } from "./preview.ts";

/** `first .. last (n nodes)`, or the one name. */
export function nameRange(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? "";
  return `${names[0] ?? ""} .. ${names.at(-1) ?? ""} (${names.length} nodes)`;
}

function perNodeBasis(preview: RolloutPreview, settleMs: number): string {
  if (preview.basis === "measured") return "median node duration per tier measured in this rollout";
  return (
    `no node measured yet: ${formatEstimate(DEFAULT_NODE_WORK_MS)} per node (drain, Job, restart) ` +
    `+ healthGate.settle ${formatMs(settleMs)}`
  );
}

/** What the estimate counts: the per-node basis, the tier soaks ahead, and what it cannot count. */
export function estimateBasis(preview: RolloutPreview, settleMs: number): string {
  const soaked = preview.tiers.filter((tier) => tier.soak !== undefined);
  const soakMs = soaked[0]?.soak?.ms ?? 0;
  const waiting = preview.tiers.filter((tier) => tier.awaitingApproval).map((tier) => tier.tier);
  return [
    perNodeBasis(preview, settleMs),
    ...(soaked.length > 0
      ? [`healthGate.tierSoak ${formatMs(soakMs)} before ${soaked.map((tier) => tier.tier).join(", ")}`]
      : []),
    ...(waiting.length > 0 ? [`not counting the wait for approval of ${waiting.join(", ")}`] : []),
  ].join("; ");
}

interface Budget {
  chars: number;
  maxBatches: number;
  truncated: boolean;
}

/** The status's bounds; the CLI passes Infinity for both to print everything. */
export interface PreviewLimits {
  nameChars: number;
  maxBatches: number;
}

export const STATUS_LIMITS: PreviewLimits = { nameChars: PREVIEW_NAME_CHARS, maxBatches: PREVIEW_MAX_BATCHES };

function renderTier(tier: TierPreview, budget: Budget): PreviewStatus["tiers"][number] {
  const listed: string[] = [];
  for (const batch of tier.batches) {
    const text = batch.join(", ");
    if (text.length > budget.chars || listed.length >= budget.maxBatches) break;
    listed.push(text);
    budget.chars -= text.length;
  }
  const restBatches = tier.batches.slice(listed.length);
  if (restBatches.length > 0) budget.truncated = true;
  // A range is the bounded stand-in for a first batch too large to list.
  const batches = listed.length === 0 && restBatches.length > 0 ? [nameRange(restBatches[0] ?? [])] : listed;
  const unlisted = tier.batches.slice(batches.length);
  const skippedText = tier.skipped.join(", ");
  const listSkipped = tier.skipped.length > 0 && skippedText.length <= budget.chars;
  if (listSkipped) budget.chars -= skippedText.length;
  else if (tier.skipped.length > 0) budget.truncated = true;
  return {
    tier: tier.tier,
    concurrency: tier.concurrency,
    ...(tier.quorumGuard ? { quorumGuard: true } : {}),
    nodes: tier.batches.reduce((sum, batch) => sum + batch.length, 0),
    batchCount: tier.batches.length,
    ...(batches.length > 0 ? { batches } : {}),
    ...(unlisted.length > 0 ? { more: `${unlisted.length} more batch(es): ${nameRange(unlisted.flat())}` } : {}),
    skipped: tier.skipped.length,
    ...(listSkipped ? { skippedNodes: skippedText } : {}),
    estimatedDuration: formatEstimate(tier.estimatedMs),
    ...(tier.soak ? { soakBefore: formatMs(tier.soak.ms) } : {}),
    ...(tier.awaitingApproval ? { awaitingApproval: true } : {}),
  };
}

export function previewStatus(
  preview: RolloutPreview,
  settleMs: number,
  limits: PreviewLimits = STATUS_LIMITS,
): PreviewStatus {
  const budget: Budget = { chars: limits.nameChars, maxBatches: limits.maxBatches, truncated: false };
  const tiers = preview.tiers.map((tier) => renderTier(tier, budget));
  return {
    nodes: preview.toChange,
    skipped: preview.skipped,
    estimatedDuration: formatEstimate(preview.estimatedMs),
    estimateBasis: estimateBasis(preview, settleMs),
    truncated: budget.truncated,
    tiers,
  };
}
