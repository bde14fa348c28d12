/**
 * One CertRotation round before the rollout engine runs, pure: the target, which finished nodes
 * the inventory confirms, which go back to the engine (a failed attempt, or due again), whether
 * new nodes may start, and whether the engine needs to run at all. Each verdict is a small
 * function of the observed state, as in cert-manager's policy chain.
 */
import type { NodeInventory } from "../../certs/inventory-lease.ts";
import type { NodeClaim } from "../../rollout/claim.ts";
import { targetHash } from "../../rollout/claim.ts";
import type { ReopenInput } from "../../rollout/reopen.ts";
import { needsRotation, type NodeAssessment } from "./assess.ts";
import { chooseTarget, desiredTarget, knownTargets } from "./target.ts";
import { verifyRotation, type RotationRecord, type Verification } from "./verify.ts";

export interface ObservedCertNode {
  name: string;
  resourceVersion: string;
  unschedulable: boolean;
  selected: boolean;
  /** Value of this CertRotation's completion label. */
  doneHash: string | undefined;
  claim: NodeClaim | undefined;
}

export interface DecideInput {
  nowMs: number;
  owner: string;
  completionLabel: string;
  trigger: string | undefined;
  lastTrigger: string | undefined;
  paused: boolean;
  /** Why Rancher owns rotation on this cluster (rke2/rancher.ts); undefined when the operator may act. */
  rancherRefusal?: string | undefined;
  windowOpen: boolean;
  services: readonly string[];
  renewBeforeMs: number;
  verifyTimeoutMs: number;
  maxAttempts: number;
  lockHeldByUs: boolean;
  nodes: readonly ObservedCertNode[];
  /** Selected nodes only. */
  assessments: ReadonlyMap<string, NodeAssessment>;
  inventories: ReadonlyMap<string, NodeInventory>;
  /** The latest succeeded rotation Job of `node` for the target with this hash. */
  rotationOf: (node: string, targetHash: string) => RotationRecord | undefined;
}

export type StartBlock = "paused" | "rancher" | "window" | "verifying" | "finishing-earlier-target";

export interface CheckedRotation {
  record: RotationRecord;
  verification: Verification;
}

export interface RoundPlan {
  target: string;
  triggerPending: boolean;
  /** Finished nodes of this target with a rotation Job, and what the inventory says of them. */
  checked: Map<string, CheckedRotation>;
  reopen: { node: string; input: ReopenInput }[];
  /** Done nodes due for rotation again: their completion label goes. */
  dueAgain: { node: string; resourceVersion: string }[];
  mayStart: boolean;
  startBlock: StartBlock | undefined;
  /** With startBlock "rancher": why. */
  rancherRefusal?: string | undefined;
  /** Nodes labelled done without disruption (nothing to renew for this target). */
  satisfied: Set<string>;
  runEngine: boolean;
}

export function decideRound(input: DecideInput): RoundPlan {
  const desired = desiredTarget(input.trigger, input.lastTrigger);
  const ours = input.nodes.filter((node) => node.claim?.owner === input.owner);
  const claims = ours.flatMap((node) =>
    node.claim ? [{ target: node.claim.target, failed: node.claim.failed !== undefined }] : [],
  );
  const chosen = chooseTarget(desired.target, claims, knownTargets(input.trigger, input.lastTrigger));
  const hash = targetHash(chosen.target);
  const triggerRound = chosen.target !== "renew";

  const checked = new Map<string, CheckedRotation>();
  const reopen: RoundPlan["reopen"] = [];
  const dueAgain: RoundPlan["dueAgain"] = [];
  for (const node of input.nodes) {
    if (node.doneHash !== hash || node.claim !== undefined) continue;
    const record = input.rotationOf(node.name, hash);
    if (record) {
      const verification = verifyRotation({
        record,
        inventory: input.inventories.get(node.name),
        services: input.services,
        renewBeforeMs: input.renewBeforeMs,
        timeoutMs: input.verifyTimeoutMs,
        nowMs: input.nowMs,
      });
      checked.set(node.name, { record, verification });
      if (verification.state === "failed") {
        const nodeState = { resourceVersion: node.resourceVersion, unschedulable: node.unschedulable };
        reopen.push({
          node: node.name,
          input: {
            owner: input.owner,
            targetHash: hash,
            completionLabel: input.completionLabel,
            attempts: record.attempt,
            maxAttempts: input.maxAttempts,
            message: verification.message,
            node: nodeState,
            now: input.nowMs,
          },
        });
      }
      continue;
    }
    // Labelled done without a rotation of this target (satisfied, or rotated a year ago): due again.
    const assessment = input.assessments.get(node.name);
    if (!triggerRound && node.selected && assessment && needsRotation(assessment))
      dueAgain.push({ node: node.name, resourceVersion: node.resourceVersion });
  }

  const verifying = [...checked.values()].some((check) => check.verification.state !== "confirmed");
  const startBlock: StartBlock | undefined = input.paused
    ? "paused"
    : input.rancherRefusal !== undefined
      ? "rancher"
      : !input.windowOpen
        ? "window"
        : chosen.pinned
          ? "finishing-earlier-target"
          : verifying
            ? "verifying"
            : undefined;

  const satisfied = new Set<string>();
  if (!triggerRound) {
    for (const node of input.nodes) {
      const assessment = input.assessments.get(node.name);
      // No report says nothing needs renewing; if one arrives showing otherwise, `dueAgain` reopens the node.
      if (!assessment || !needsRotation(assessment)) satisfied.add(node.name);
    }
  }
  const work = [...input.assessments.values()].some(needsRotation) || desired.triggerPending;
  const runEngine = work || ours.length > 0 || input.lockHeldByUs || reopen.length > 0 || dueAgain.length > 0;
  const refusal = startBlock === "rancher" ? { rancherRefusal: input.rancherRefusal } : {};
  return {
    target: chosen.target,
    triggerPending: desired.triggerPending,
    checked,
    reopen,
    dueAgain,
    mayStart: startBlock === undefined,
    startBlock,
    ...refusal,
    satisfied,
    runEngine,
  };
}
