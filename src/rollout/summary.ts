/** The owner's view of a rollout round: counts, tier and the bounded list of busy nodes. Pure. */
import { TIER_ORDER } from "../rke2/roles.ts";
import { currentTier } from "./decide.ts";
import type { RolloutDecision, RolloutInput, RolloutSummary, StatusNode } from "./types.ts";

function byUrgency(a: StatusNode, b: StatusNode): number {
  const failedFirst = Number(b.phase === "Failed") - Number(a.phase === "Failed");
  return failedFirst || TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier) || a.name.localeCompare(b.name);
}

/** `drainBlocked`: nodes whose last drain round was refused (PodDisruptionBudget, blocking pods). */
export function summarize(
  input: RolloutInput,
  decision: RolloutDecision,
  maxNodes: number,
  drainBlocked: ReadonlyMap<string, string> = new Map(),
): RolloutSummary {
  const relevant = input.nodes.filter(
    (node) => node.selected || node.claim?.owner === input.owner || decision.progress.has(node.name),
  );
  const busy = [...decision.progress.values()];
  const failed = busy.filter((node) => node.phase === "Failed").length;
  const inProgress = busy.length - failed;
  const done = relevant.filter((node) => decision.done.has(node.name)).length;
  const total = relevant.length;
  const tier = currentTier(relevant, decision.done) ?? "";
  const [blockedNode, blockedMessage] =
    [...drainBlocked].find(([name]) => decision.progress.get(name)?.phase === "Draining") ?? [];
  return {
    tier,
    counts: { total, done, inProgress, pending: Math.max(0, total - done - failed - inProgress), failed },
    nodes: busy.sort(byUrgency).slice(0, maxNodes),
    halted: failed > 0,
    complete: done === total,
    blockers: done === total ? [] : [...(input.gates?.blockers ?? [])],
    awaitingApproval: decision.awaitingApproval,
    soak: decision.soak,
    waiting:
      decision.waiting ??
      (blockedNode !== undefined
        ? { reason: "DrainBlocked", message: `${blockedNode}: ${blockedMessage ?? ""}` }
        : undefined),
  };
}
