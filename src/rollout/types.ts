/**
 * The rollout engine's vocabulary, shared by UpgradePlan and CertRotation. The engine takes the
 * nodes as observed (caches), decides purely what to do next, performs it through the port, and
 * hands back a summary for the owner's status.
 */
import type { Concurrency, DrainSpec } from "../api/common.ts";
import type { NodeRoles, Tier } from "../rke2/roles.ts";
import type { NodeClaim } from "./claim.ts";

export type { Tier } from "../rke2/roles.ts";

/** The custom resource a rollout works for (ownerReference of its Jobs, holder of the lock). */
export interface RolloutOwner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
}

export interface HealthGatePolicy {
  timeoutMs: number;
  settleMs: number;
  /** Upgrades: the kubelet must report exactly this version. CertRotation leaves it out. */
  kubeletVersion?: string;
}

export interface RolloutPolicy {
  /** Per tier; the etcd tier is always one at a time whatever is given. Percentages are of the tier. */
  concurrency: Record<Tier, Concurrency>;
  drain: Record<Tier, DrainSpec>;
  healthGate: HealthGatePolicy;
  maxAttemptsPerNode: number;
}

export type JobState = "Running" | "Succeeded" | "Failed";

/** One of the owner's Jobs on a node, as the cache shows it. */
export interface ObservedJob {
  name: string;
  state: JobState;
  /** When it finished (Complete/Failed), epoch ms. */
  finishedAtMs?: number;
  message?: string;
  /** It has a deletionTimestamp: going away. */
  deleting: boolean;
}

export interface MirrorPodHealth {
  name: string;
  exists: boolean;
  ready: boolean;
  readySinceMs: number;
}

/** Everything the decision needs to know about one node. */
export interface ObservedNode {
  name: string;
  resourceVersion: string;
  roles: NodeRoles;
  tier: Tier;
  /** Matched by the owner's node selector. */
  selected: boolean;
  ready: boolean;
  readySinceMs: number;
  unschedulable: boolean;
  kubeletVersion: string | undefined;
  /** The claim annotation, whoever holds it (a claim whose owner was deleted is moved to `orphanedClaim`). */
  claim: NodeClaim | undefined;
  /** A claim left by an owner that no longer exists: the node is free, but it may be cordoned by it. */
  orphanedClaim?: NodeClaim | undefined;
  /** Value of the owner's completion label. */
  doneHash: string | undefined;
  /** The node's static pods that must be Ready (by its roles). */
  mirrorPods: MirrorPodHealth[];
  /** The owner's Jobs on this node. */
  jobs: ObservedJob[];
  /** Already in the target state (e.g. kubelet at the target version): no disruption needed. */
  satisfied: boolean;
  /** How long the node took when the owner brought it to this target (claim to finish), if recorded. */
  measuredDurationMs?: number | undefined;
}

export interface LockView {
  /** `<Kind>/<name>` holding the disruption lock, undefined when free. */
  holder: string | undefined;
  /** The holder's object no longer exists, so its hold is void. */
  holderGone: boolean;
}

/** A blocker that holds now, or could not be evaluated (fail closed), with why. */
export interface HoldingBlocker {
  name: string;
  message: string;
}

/** The soak after a completed tier, as the owner's status records it (survives restarts). */
export interface SoakMark {
  /** The tier whose completion began the soak. */
  tier: Tier;
  /** Since when everything has been healthy; undefined while it is not. */
  healthySinceMs?: number | undefined;
  /** The soak is over: the next tier may start. */
  passed?: boolean | undefined;
}

/** Gates between tiers (tier-gates.ts); absent fields gate nothing. */
export interface RolloutGates {
  /** Tiers that wait for approval, and those approved. */
  approval?: { tiers: readonly Tier[]; approved: readonly Tier[] } | undefined;
  /** Blockers holding now, evaluated before the round by the owner's effects layer. */
  blockers?: readonly HoldingBlocker[] | undefined;
  /** How long the cluster stays healthy after a tier completes before the next one starts. */
  tierSoakMs?: number | undefined;
  /** The soak as the owner's status last recorded it. */
  soak?: SoakMark | undefined;
}

export interface RolloutInput {
  now: number;
  /** `<Kind>/<name>` of the owner. */
  owner: string;
  /** Hash of the request's target (claim.ts targetHash): what claims and completion labels carry. */
  targetHash: string;
  nodes: readonly ObservedNode[];
  policy: RolloutPolicy;
  /** False while paused, outside the window or before preflight: no node and no attempt starts. */
  mayStart: boolean;
  /** The user asked to retry failed nodes (e.g. UpgradePlan failurePolicy.retry changed). */
  retryFailed: boolean;
  /**
   * The owner is being deleted: nothing new starts, a node whose attempt's Job exists finishes
   * (Job, health gate), every other claim is handed back (see node-steps.ts releaseClaim).
   */
  releasing: boolean;
  lock: LockView;
  gates?: RolloutGates | undefined;
  /** Deterministic name of a node's Job for an attempt. */
  jobName: (node: string, attempt: number) => string;
}

export interface DrainWork {
  spec: DrainSpec;
  /** Epoch ms after which the drain has failed. */
  deadlineMs: number;
}

/** Work on a node inside a running attempt: drain (when enabled), then create the Job. */
export interface AttemptWork {
  node: string;
  tier: Tier;
  attempt: number;
  drain: DrainWork | undefined;
}

export type NodeStep =
  /** Write the claim (and cordon/uncordon in the same patch), drop stale Jobs, maybe continue. */
  | {
      kind: "writeClaim";
      node: string;
      /** Precondition: the node as we decided on it (a concurrent writer makes the patch fail). */
      resourceVersion: string;
      claim: NodeClaim;
      /** Begins disruptive work: only with the disruption lock held. */
      needsLock: boolean;
      cordon: boolean;
      uncordon: boolean;
      deleteJobs: string[];
      then: AttemptWork | undefined;
    }
  | { kind: "work"; work: AttemptWork; deleteJobs: string[] }
  | { kind: "deleteJobs"; node: string; jobs: string[] }
  /** Health gate passed: label done, drop our claim, uncordon if we cordoned. */
  | { kind: "finish"; node: string; tier: Tier; uncordon: boolean; durationMs: number | undefined }
  /**
   * A free node already in the target state: only the completion label. Its claim annotation is
   * not ours to touch: another owner may be claiming the node at this very moment.
   */
  | { kind: "label"; node: string; tier: Tier }
  /** The owner is going away: drop the claim (precondition: the node as decided on), maybe uncordon. */
  | { kind: "release"; node: string; resourceVersion: string; uncordon: boolean };

export type RolloutEventReason =
  | "NodeStarted"
  | "NodeSucceeded"
  | "AttemptFailed"
  | "NodeFailed"
  | "NodeRetried"
  | "NodeReleased"
  | "Retargeted"
  | "EtcdUnhealthy"
  | "DisruptionLockHeld"
  | "DrainBlocked"
  | "DrainFailed";

export interface RolloutEvent {
  type: "Normal" | "Warning";
  reason: RolloutEventReason;
  message: string;
}

/**
 * Why an attempt cannot begin. `StartNotAllowed`: the owner allows none now (paused, outside its
 * window, before preflight, being deleted).
 */
export type WaitReason =
  "EtcdUnhealthy" | "DisruptionLockHeld" | "StartNotAllowed" | "BlockerHolding" | "AwaitingApproval" | "TierSoak";

export interface RolloutDecision {
  steps: NodeStep[];
  /** `acquire`: hold the lock before any step that needs it; `release`: no node is out any more. */
  lock: "acquire" | "release" | "none";
  events: RolloutEvent[];
  waiting: { reason: WaitReason; message: string } | undefined;
  /** Every node in progress or failed after this round, as the status lists it. */
  progress: Map<string, StatusNode>;
  /** Nodes done after this round (labelled before, or finished now). */
  done: Set<string>;
  /** Nodes whose health gate found nothing wrong (still settling). */
  healthy: Set<string>;
  requeueAfterMs: number | undefined;
  /** The soak to record in the owner's status (undefined: none). */
  soak: SoakMark | undefined;
  /** The tier that would start next but waits for approval. */
  awaitingApproval: Tier | undefined;
}

/**
 * A node in progress or failed, as the owner's status lists it. `Waiting`: claimed, but its next
 * attempt cannot begin yet (the lock, the quorum guard, the owner's gates) or earlier Jobs are
 * still going away.
 */
export type NodePhase = "Waiting" | "Draining" | "Running" | "WaitingHealthy" | "Failed";

export interface StatusNode {
  name: string;
  tier: Tier;
  phase: NodePhase;
  attempts: number;
  job?: string;
  startedAt?: string;
  message?: string;
}

export interface RolloutSummary {
  /** The tier being worked on, empty when none. */
  tier: Tier | "";
  counts: { total: number; done: number; inProgress: number; pending: number; failed: number };
  /** In-progress and failed nodes, capped at the status limit. */
  nodes: StatusNode[];
  halted: boolean;
  complete: boolean;
  waiting: { reason: WaitReason | "DrainBlocked"; message: string } | undefined;
  /** Blockers holding this round (none once the rollout is complete). */
  blockers?: HoldingBlocker[] | undefined;
  awaitingApproval?: Tier | undefined;
  soak?: SoakMark | undefined;
}
