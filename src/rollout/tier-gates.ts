/**
 * The gates between tiers, pure (docs/upgrades.md "Approval between tiers", "Blockers", "Tier soak"):
 *
 * - Blockers: while any holds (or could not be evaluated), no attempt begins; nodes in progress finish.
 * - Approval: a tier named in `approval.tiers` starts no node until `approval.approved` names it.
 * - Tier soak: after a tier completes, the next starts only once nodes, etcd and blockers have been
 *   healthy for `tierSoakMs` without a break. The mark (which tier, healthy since, passed) lives in
 *   the owner's status so an operator restart resumes the soak instead of starting it over; a
 *   break of health clears `healthySince`, so the soak restarts.
 */
import { TIER_ORDER } from "../rke2/roles.ts";
import { formatMs, type EtcdMember } from "./health.ts";
import type { HoldingBlocker, ObservedNode, RolloutGates, SoakMark, Tier, WaitReason } from "./types.ts";

export interface Hold {
  reason: WaitReason;
  message: string;
}

export function blockerHold(gates: RolloutGates | undefined): Hold | undefined {
  const holding = gates?.blockers ?? [];
  if (holding.length === 0) return undefined;
  return { reason: "BlockerHolding", message: describeBlockers(holding) };
}

export function describeBlockers(holding: readonly HoldingBlocker[]): string {
  return `blocked by ${holding.map((blocker) => `${blocker.name} (${blocker.message})`).join("; ")}`;
}

export function needsApproval(gates: RolloutGates | undefined, tier: Tier): boolean {
  const approval = gates?.approval;
  return approval !== undefined && approval.tiers.includes(tier) && !approval.approved.includes(tier);
}

export function approvalHold(gates: RolloutGates | undefined, tier: Tier): Hold | undefined {
  if (!needsApproval(gates, tier)) return undefined;
  return {
    reason: "AwaitingApproval",
    message: `the ${tier} tier waits for approval: add ${tier} to spec.approval.approved`,
  };
}

export interface SoakInput {
  now: number;
  gates: RolloutGates | undefined;
  /** Nodes of the rollout (selected or claimed by the owner). */
  relevant: readonly ObservedNode[];
  members: readonly EtcdMember[];
  /** The first tier with a node not done (decide.ts currentTier); undefined when all are done. */
  current: Tier | undefined;
  /** Some node of the current tier is claimed by the owner: the tier has begun. */
  currentBegun: boolean;
}

export interface SoakVerdict {
  mark: SoakMark | undefined;
  hold: Hold | undefined;
  recheckInMs: number | undefined;
}

/** The tier before `current` (in rollout order) that has nodes of the rollout. */
export function completedTier(relevant: readonly ObservedNode[], current: Tier): Tier | undefined {
  const before = TIER_ORDER.slice(0, TIER_ORDER.indexOf(current));
  return before.reverse().find((tier) => relevant.some((node) => node.tier === tier));
}

/** What keeps the cluster from counting as healthy during a soak. */
export function soakProblems(input: Pick<SoakInput, "relevant" | "members" | "gates">): string[] {
  const problems = input.relevant.filter((node) => !node.ready).map((node) => `${node.name} is not Ready`);
  for (const member of input.members) {
    if (!member.etcdPodReady) problems.push(`etcd-${member.name} is not Ready`);
  }
  const blockers = input.gates?.blockers ?? [];
  if (blockers.length > 0) problems.push(describeBlockers(blockers));
  return problems;
}

export function decideSoak(input: SoakInput): SoakVerdict {
  const soakMs = input.gates?.tierSoakMs ?? 0;
  const none: SoakVerdict = { mark: undefined, hold: undefined, recheckInMs: undefined };
  if (soakMs <= 0 || input.current === undefined) return none;
  const tier = completedTier(input.relevant, input.current);
  if (tier === undefined) return none;
  const previous = input.gates?.soak?.tier === tier ? input.gates.soak : undefined;
  // A tier that has begun is past its soak (a lost mark must not stop it halfway).
  if (previous?.passed === true || input.currentBegun) return { ...none, mark: { tier, passed: true } };
  const problems = soakProblems(input);
  const next = input.current;
  if (problems.length > 0) {
    return {
      mark: { tier },
      hold: {
        reason: "TierSoak",
        message:
          `the ${tier} tier is complete; soaking ${formatMs(soakMs)} before ${next}, ` +
          `restarted: ${problems.join("; ")}`,
      },
      recheckInMs: undefined,
    };
  }
  // Whole seconds, as the status keeps it: the mark read back after a restart is the same.
  const since = previous?.healthySinceMs ?? Math.floor(input.now / 1000) * 1000;
  const endsAt = since + soakMs;
  if (input.now >= endsAt) return { ...none, mark: { tier, healthySinceMs: since, passed: true } };
  return {
    mark: { tier, healthySinceMs: since },
    hold: {
      reason: "TierSoak",
      // No countdown: a message that changes every round rewrites the status forever.
      message:
        `the ${tier} tier is complete; healthy since ${new Date(since).toISOString()}, ` +
        `soaking ${formatMs(soakMs)} before ${next}`,
    },
    recheckInMs: endsAt - input.now,
  };
}
