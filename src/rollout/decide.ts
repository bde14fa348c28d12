/**
 * The rollout decision, pure: given every node as observed, which steps to take this round.
 *
 * - Nodes the owner claimed always advance (drain, Job, health gate, finish): work in progress
 *   finishes even when starting is not allowed (paused, window closed).
 * - New nodes start only when `mayStart`, nothing has failed (halt), the owner holds or can take
 *   the disruption lock, and only in the first tier with nodes not done: etcd (etcd-only members
 *   first), then control-plane-only, then workers, with the tier's concurrency (etcd: always 1).
 * - While the owner is being deleted (`releasing`) nothing starts: nodes whose Job exists finish,
 *   every other claim is handed back (node-steps.ts).
 * - Before an etcd or control-plane node is disrupted, every etcd member must be healthy and none
 *   may be worked on (quorum guard); otherwise the rollout waits with `EtcdUnhealthy`.
 */
import { resolveConcurrency } from "../api/common.ts";
import { TIER_ORDER } from "../rke2/roles.ts";
import { etcdQuorumGuard, type EtcdMember } from "./health.ts";
import { approvalHold, blockerHold, decideSoak, needsApproval } from "./tier-gates.ts";
import { beginAttempt, decideClaimedNode, iso, type BeginVerdict, type NodeDecision } from "./node-steps.ts";
import type {
  NodeStep,
  ObservedNode,
  RolloutDecision,
  RolloutEvent,
  RolloutInput,
  RolloutPolicy,
  StatusNode,
  Tier,
  WaitReason,
} from "./types.ts";

/** Inputs that only the previous rounds know (in memory; losing them on restart is harmless). */
export interface RoundMemory {
  /** Last drain report per node, quoted when the drain times out. */
  drainMessages?: ReadonlyMap<string, string>;
  /** Drains that hit a configuration error (two PodDisruptionBudgets on one pod). */
  drainFailures?: ReadonlyMap<string, string>;
  /** When each node was first seen passing its health checks. */
  healthySince?: ReadonlyMap<string, number>;
}

export function etcdMembers(nodes: readonly ObservedNode[]): EtcdMember[] {
  return nodes
    .filter((node) => node.roles.etcd)
    .map((node) => ({
      name: node.name,
      ready: node.ready,
      etcdPodReady: node.mirrorPods.some((pod) => pod.name === `etcd-${node.name}` && pod.exists && pod.ready),
      claimedBy: isDisruptedByClaim(node) ? node.claim?.owner : undefined,
    }));
}

/** A claim disrupts its node unless it failed and left the node schedulable (a drain that gave up). */
function isDisruptedByClaim(node: ObservedNode): boolean {
  if (node.claim === undefined) return false;
  return node.claim.failed === undefined || node.unschedulable;
}

/** Tiers whose disruption the etcd quorum guard protects (API servers sit in front of etcd). */
export function guardedTier(tier: Tier): boolean {
  return tier === "etcd" || tier === "control-plane";
}

function lockAvailable(input: RolloutInput): boolean {
  return input.lock.holder === undefined || input.lock.holder === input.owner || input.lock.holderGone;
}

function beginVerdict(
  input: RolloutInput,
  members: readonly EtcdMember[],
  node: ObservedNode,
  alreadyOut: boolean,
): BeginVerdict {
  if (input.releasing) return { ok: false, reason: "StartNotAllowed", message: "the owner is being deleted" };
  if (!input.mayStart) {
    const message = "the owner allows no new attempt now (paused, outside its window or before preflight)";
    return { ok: false, reason: "StartNotAllowed", message };
  }
  const gate = blockerHold(input.gates) ?? approvalHold(input.gates, node.tier);
  if (gate) return { ok: false, ...gate };
  if (!lockAvailable(input)) {
    return {
      ok: false,
      reason: "DisruptionLockHeld",
      message: `another operation holds the disruption lock: ${input.lock.holder ?? ""}`,
    };
  }
  if (!guardedTier(node.tier)) return { ok: true };
  const guard = etcdQuorumGuard(members, alreadyOut ? node.name : undefined);
  return guard.ok ? guard : { ok: false, reason: "EtcdUnhealthy", message: guard.message };
}

/** Nodes of a tier worked on at once: the etcd tier always one (quorum guard), others by policy. */
export function tierConcurrency(policy: Pick<RolloutPolicy, "concurrency">, tier: Tier, tierSize: number): number {
  return tier === "etcd" ? Math.min(1, tierSize) : resolveConcurrency(policy.concurrency[tier], tierSize);
}

/** etcd-only members before etcd+control-plane ones (Rancher's order), then by name. */
export function startOrder(a: ObservedNode, b: ObservedNode): number {
  const rank = (node: ObservedNode): number => (node.tier === "etcd" && !node.roles.controlPlane ? 0 : 1);
  return rank(a) - rank(b) || a.name.localeCompare(b.name);
}

export function isDone(node: ObservedNode, input: Pick<RolloutInput, "targetHash">): boolean {
  return node.doneHash === input.targetHash;
}

export function decideRollout(input: RolloutInput, memory: RoundMemory = {}): RolloutDecision {
  const members = etcdMembers(input.nodes);
  const steps: NodeStep[] = [];
  const events: RolloutEvent[] = [];
  const progress = new Map<string, StatusNode>();
  const done = new Set<string>();
  const healthy = new Set<string>();
  let waiting: { reason: WaitReason; message: string } | undefined;
  let requeueAfterMs: number | undefined;
  let out = 0;
  const absorb = (name: string, decision: NodeDecision): void => {
    steps.push(...decision.steps);
    events.push(...decision.events);
    if (decision.status) progress.set(name, decision.status);
    if (decision.done) done.add(name);
    if (decision.healthy === true) healthy.add(name);
    if (decision.stillOut) out++;
    if (decision.blocked && input.mayStart) waiting ??= decision.blocked;
    if (decision.recheckInMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, decision.recheckInMs);
  };

  const ours = input.nodes.filter((node) => node.claim?.owner === input.owner);
  for (const node of ours) {
    const claim = node.claim;
    if (!claim) continue;
    const alreadyOut = node.unschedulable || claim.attemptStartedAt !== undefined;
    absorb(
      node.name,
      decideClaimedNode({
        input,
        node,
        claim,
        canBegin: beginVerdict(input, members, node, alreadyOut),
        drainMessage: memory.drainMessages?.get(node.name),
        drainFailure: memory.drainFailures?.get(node.name),
        healthySinceMs: memory.healthySince?.get(node.name),
      }),
    );
  }

  // A node finished this round is back in service: it no longer counts against the quorum guard.
  for (const member of members) if (done.has(member.name)) member.claimedBy = undefined;

  const relevant = input.nodes.filter((node) => node.selected || node.claim?.owner === input.owner);
  for (const node of relevant) if (isDone(node, input) && node.claim?.owner !== input.owner) done.add(node.name);

  const halted = [...progress.values()].some((status) => status.phase === "Failed");
  const free = relevant.filter((node) => !done.has(node.name) && node.claim === undefined);
  let soak = input.gates?.soak;
  let awaitingApproval: Tier | undefined;
  if (input.mayStart && !input.releasing && !halted) {
    // Nodes already in the target state only need the label: nothing is disrupted. One a deleted
    // owner left claimed may be mid-change (its Job just ran): it goes through claim and health gate.
    for (const node of free.filter((n) => n.satisfied && n.orphanedClaim === undefined)) {
      steps.push({ kind: "label", node: node.name, tier: node.tier });
      done.add(node.name);
    }
    const tier = currentTier(relevant, done);
    const soaking = decideSoak({
      now: input.now,
      gates: input.gates,
      relevant,
      members,
      current: tier,
      currentBegun: relevant.some((node) => node.tier === tier && node.claim?.owner === input.owner),
    });
    soak = soaking.mark;
    if (soaking.recheckInMs !== undefined) requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, soaking.recheckInMs);
    if (tier !== undefined && soaking.hold) waiting ??= soaking.hold;
    else if (tier !== undefined) {
      const started = startNodes(input, members, relevant, done, tier);
      for (const [name, decision] of started.decisions) absorb(name, decision);
      if (started.waiting) waiting ??= started.waiting;
    }
  }

  // A fact of the spec and the nodes, paused or not: pausing a waiting plan does not approve it.
  const next = input.releasing ? undefined : currentTier(relevant, done);
  if (next !== undefined && needsApproval(input.gates, next)) awaitingApproval = next;

  const heldByUs = input.lock.holder === input.owner;
  // Releasing never takes the lock: a node handed back or waiting for a Job to end keeps a hold it has.
  const lock = out > 0 ? (heldByUs || input.releasing ? "none" : "acquire") : heldByUs ? "release" : "none";
  return { steps, lock, events, waiting, progress, done, healthy, requeueAfterMs, soak, awaitingApproval };
}

/** The first tier, in rollout order, with a node not done. */
export function currentTier(relevant: readonly ObservedNode[], done: ReadonlySet<string>): Tier | undefined {
  return TIER_ORDER.find((tier) => relevant.some((node) => node.tier === tier && !done.has(node.name)));
}

function startNodes(
  input: RolloutInput,
  members: EtcdMember[],
  relevant: readonly ObservedNode[],
  done: ReadonlySet<string>,
  tier: Tier,
): { decisions: [string, NodeDecision][]; waiting?: { reason: WaitReason; message: string } } {
  const inTier = relevant.filter((node) => node.tier === tier);
  const busy = inTier.filter((node) => node.claim?.owner === input.owner && !done.has(node.name)).length;
  const limit = tierConcurrency(input.policy, tier, inTier.length);
  const candidates = inTier
    .filter(
      (node) =>
        node.claim === undefined && !done.has(node.name) && (!node.satisfied || node.orphanedClaim !== undefined),
    )
    .sort(startOrder);
  const decisions: [string, NodeDecision][] = [];
  let slots = limit - busy;
  for (const node of candidates) {
    if (slots <= 0) break;
    const verdict = beginVerdict(input, members, node, false);
    if (!verdict.ok) return { decisions, waiting: { reason: verdict.reason, message: verdict.message } };
    // A node an owner deleted mid-rollout left cordoned was not cordoned by its admin.
    const wasUnschedulable = node.orphanedClaim ? node.orphanedClaim.wasUnschedulable : node.unschedulable;
    const claim = {
      owner: input.owner,
      target: input.targetHash,
      attempts: 0,
      wasUnschedulable,
      claimedAt: iso(input.now),
    };
    const event: RolloutEvent = { type: "Normal", reason: "NodeStarted", message: `${node.name} (${tier}): started` };
    decisions.push([
      node.name,
      beginAttempt({ input, node, claim, canBegin: verdict, drainMessage: undefined }, claim, [], event),
    ]);
    // The node now counts as disrupted for the quorum guard of the next candidate.
    const member = members.find((m) => m.name === node.name);
    if (member) member.claimedBy = input.owner;
    slots--;
  }
  return { decisions };
}
