/**
 * What a rollout will do, pure: a function of the owner's policy and the nodes as observed. The
 * same rules as the decision (decide.ts): tiers in order, etcd-only members first then by name,
 * the tier's concurrency (the etcd tier one at a time: quorum guard), nodes already at the target
 * skipped, nodes in progress finishing first. The engine starts a node whenever a slot frees;
 * "batches" are the groups that go together when every node takes as long. The gates between
 * tiers as tier-gates.ts applies them: a tier waiting for approval is marked, and the tier soak
 * before a tier is part of the estimate (the wait for an approval is not: nobody knows it).
 */
import { TIER_ORDER } from "../rke2/roles.ts";
import { guardedTier, isDone, startOrder, tierConcurrency } from "./decide.ts";
import { estimatedCompletionMs, nodeEstimate, type NodeEstimate } from "./eta.ts";
import { needsApproval } from "./tier-gates.ts";
import type { ObservedNode, RolloutGates, RolloutInput, Tier } from "./types.ts";

export type PreviewInput = Pick<RolloutInput, "owner" | "targetHash" | "nodes" | "policy" | "gates">;

/** healthGate.tierSoak before a tier: the previous tier complete and the cluster healthy that long. */
export interface SoakAhead {
  ms: number;
  /** The tier whose completion begins it. */
  after: Tier;
  /** Healthy since (epoch ms) when the soak is under way (the owner's status mark). */
  sinceMs?: number | undefined;
}

export interface TierPreview {
  tier: Tier;
  /** Nodes of the tier worked on at once. */
  concurrency: number;
  /** Starts only while every etcd member is healthy and none is worked on (decide.ts quorum guard). */
  quorumGuard: boolean;
  /** In start order; the first batch holds the nodes in progress. */
  batches: string[][];
  /** Nodes already at the target: labelled, never disrupted. */
  skipped: string[];
  /** Nodes in progress (claimed by the owner), all in the first batch. */
  inProgress: number;
  /** Claim times of the nodes in progress (epoch ms). */
  inProgressSinceMs: number[];
  perNode: NodeEstimate;
  /** The tier's batches times the per-node estimate (its soak not included). */
  estimatedMs: number;
  /** Named in approval.tiers, not in approval.approved, and with nodes to change. */
  awaitingApproval: boolean;
  /** The soak this tier waits for before its first node, when it has one still to come. */
  soak: SoakAhead | undefined;
}

export interface RolloutPreview {
  tiers: TierPreview[];
  /** Nodes still to change (in progress included). */
  toChange: number;
  skipped: number;
  /** The tiers one after the other, each batch taking the per-node estimate, soaks included. */
  estimatedMs: number;
  /** "measured" once a node of this rollout finished, else "default" (eta.ts). */
  basis: "measured" | "default";
}

function measuredByTier(nodes: readonly ObservedNode[]): Map<Tier, number[]> {
  const measured = new Map<Tier, number[]>();
  for (const node of nodes) {
    if (node.measuredDurationMs === undefined) continue;
    const durations = measured.get(node.tier);
    if (durations) durations.push(node.measuredDurationMs);
    else measured.set(node.tier, [node.measuredDurationMs]);
  }
  return measured;
}

function chunk(names: readonly string[], size: number): string[][] {
  const batches: string[][] = [];
  for (let start = 0; start < names.length; start += size) batches.push(names.slice(start, start + size));
  return batches;
}

/**
 * The soak before `tier` as decideSoak applies it: after the previous tier of the rollout, until
 * a node of the tier is claimed or the mark says it passed.
 */
function soakBefore(
  gates: RolloutGates | undefined,
  previous: Tier | undefined,
  begun: boolean,
): SoakAhead | undefined {
  const ms = gates?.tierSoakMs ?? 0;
  if (ms <= 0 || previous === undefined || begun) return undefined;
  const mark = gates?.soak?.tier === previous ? gates.soak : undefined;
  if (mark?.passed === true) return undefined;
  return { ms, after: previous, ...(mark?.healthySinceMs !== undefined ? { sinceMs: mark.healthySinceMs } : {}) };
}

/** Relevant nodes as the decision counts them: selected, or claimed by the owner. */
export function previewRollout(input: PreviewInput): RolloutPreview {
  const relevant = input.nodes.filter((node) => node.selected || node.claim?.owner === input.owner);
  const measured = measuredByTier(relevant.filter((node) => isDone(node, input)));
  const tiers: TierPreview[] = [];
  for (const tier of TIER_ORDER) {
    const inTier = relevant.filter((node) => node.tier === tier);
    if (inTier.length === 0) continue;
    const busy = inTier.filter((node) => node.claim?.owner === input.owner && !isDone(node, input));
    const skipped = inTier.filter(
      (node) => isDone(node, input) || (node.satisfied && node.claim === undefined && node.orphanedClaim === undefined),
    );
    const counted = new Set([...busy, ...skipped]);
    const left = inTier.filter((node) => !counted.has(node)).sort(startOrder);
    const concurrency = tierConcurrency(input.policy, tier, inTier.length);
    const first = [
      ...busy.map((node) => node.name),
      ...left.slice(0, Math.max(0, concurrency - busy.length)).map((node) => node.name),
    ];
    const rest = left.slice(Math.max(0, concurrency - busy.length)).map((node) => node.name);
    const batches = [...(first.length > 0 ? [first] : []), ...chunk(rest, concurrency)];
    const perNode = nodeEstimate(tier, measured, input.policy.healthGate.settleMs);
    const begun = inTier.some((node) => node.claim?.owner === input.owner);
    const toChange = batches.length > 0;
    tiers.push({
      tier,
      concurrency,
      quorumGuard: guardedTier(tier),
      batches,
      skipped: skipped.map((node) => node.name).sort(),
      inProgress: busy.length,
      inProgressSinceMs: busy.map((node) => Date.parse(node.claim?.claimedAt ?? "")).filter(Number.isFinite),
      perNode,
      estimatedMs: batches.length * perNode.ms,
      awaitingApproval: toChange && needsApproval(input.gates, tier),
      soak: toChange ? soakBefore(input.gates, tiers.at(-1)?.tier, begun) : undefined,
    });
  }
  return {
    tiers,
    toChange: tiers.reduce((sum, tier) => sum + tier.batches.flat().length, 0),
    skipped: tiers.reduce((sum, tier) => sum + tier.skipped.length, 0),
    estimatedMs: tiers.reduce((sum, tier) => sum + tier.estimatedMs + (tier.soak?.ms ?? 0), 0),
    basis: measured.size > 0 ? "measured" : "default",
  };
}

/** The rollout's expected end (rounded up to the minute), undefined when nothing is left. */
export function rolloutEta(preview: RolloutPreview, now: number): number | undefined {
  return estimatedCompletionMs(
    now,
    preview.tiers.map((tier) => ({
      perNode: tier.perNode,
      inProgressSinceMs: tier.inProgressSinceMs,
      pendingBatches: tier.batches.length - (tier.inProgress > 0 ? 1 : 0),
      ...(tier.soak ? { soak: tier.soak } : {}),
    })),
  );
}
