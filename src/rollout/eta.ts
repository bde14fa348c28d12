/**
 * How long a rollout takes, pure. A node's duration is measured from its first claim to its
 * health gate passed (settle included), and recorded on the Node with its completion label
 * (claim.ts completionRecord), so the estimate survives operator restarts.
 *
 * Per node of a tier: the median of the durations measured in this rollout for that tier; else
 * the median over the rollout's other tiers; else, before any node finished, the documented
 * default {@link DEFAULT_NODE_WORK_MS} plus the spec's settle. A tier's batches go one after the
 * other (the engine starts a node when a slot frees, so equal durations make it batches).
 */
import type { Tier } from "../rke2/roles.ts";

/**
 * Assumed drain + node Job + restart time of one node until one was measured in the rollout:
 * the rke2-upgrade Job replaces a binary and restarts rke2 (about a minute), and a drain waits
 * for the evicted pods' grace periods (30 s each by default).
 */
export const DEFAULT_NODE_WORK_MS = 3 * 60_000;
const MINUTE_MS = 60_000;

export type EstimateBasis = "measured" | "default";

export interface NodeEstimate {
  ms: number;
  basis: EstimateBasis;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}

/** The expected duration of one node of `tier`, and what it is based on. */
export function nodeEstimate(
  tier: Tier,
  measured: ReadonlyMap<Tier, readonly number[]>,
  settleMs: number,
): NodeEstimate {
  const own = median(measured.get(tier) ?? []);
  if (own !== undefined) return { ms: own, basis: "measured" };
  const any = median([...measured.values()].flat());
  if (any !== undefined) return { ms: any, basis: "measured" };
  return { ms: DEFAULT_NODE_WORK_MS + settleMs, basis: "default" };
}

/** What is left of one tier: its batches not started, and when its nodes in progress started. */
export interface TierRemainder {
  perNode: NodeEstimate;
  pendingBatches: number;
  inProgressSinceMs: readonly number[];
  /** The tier soak before it: under way since `sinceMs`, else still to come in full. */
  soak?: { ms: number; sinceMs?: number | undefined } | undefined;
}

/**
 * When the rollout should end: after the nodes in progress (each started + per node, never
 * before now) and a tier soak under way (healthy since + soak), the pending batches and tier
 * soaks of every tier one after the other. Rounded up to the minute
 * so that the status does not change while the rollout keeps to its estimate. Undefined when
 * nothing is left.
 */
export function estimatedCompletionMs(now: number, tiers: readonly TierRemainder[]): number | undefined {
  const busyEnds = tiers.flatMap((tier) => [
    ...tier.inProgressSinceMs.map((since) => since + tier.perNode.ms),
    ...(tier.soak?.sinceMs !== undefined ? [tier.soak.sinceMs + tier.soak.ms] : []),
  ]);
  const pendingSoakMs = (tier: TierRemainder): number => (tier.soak?.sinceMs === undefined ? (tier.soak?.ms ?? 0) : 0);
  const pendingMs = tiers.reduce((sum, tier) => sum + tier.pendingBatches * tier.perNode.ms + pendingSoakMs(tier), 0);
  if (busyEnds.length === 0 && pendingMs === 0) return undefined;
  const base = Math.max(now, ...busyEnds);
  return Math.ceil((base + pendingMs) / MINUTE_MS) * MINUTE_MS;
}

/** A duration rounded up to the minute, as a Go duration (`45m`, `2h5m`). */
export function formatEstimate(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE_MS));
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest}m`;
  return rest === 0 ? `${hours}h` : `${hours}h${rest}m`;
}
