/**
 * One drain round on one node: list its pods, decide (drain.ts), evict (or delete) what may go.
 * A round never waits for pods to terminate: the reconcile returns and asks to be requeued, so a
 * drain that takes minutes never holds a worker.
 */
import type { DrainSpec } from "../api/common.ts";
import { POD_RESOURCE } from "../nodeops/job.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { classifyEvictionError, planDrain } from "./drain.ts";
import type { PodObject } from "./kube-objects.ts";
import { labelSelectorString } from "./selector.ts";

export type DrainRound =
  | { state: "done" }
  /** Evictions issued or pods still terminating: look again soon. */
  | { state: "waiting"; message: string }
  /** A PodDisruptionBudget refused, or pods the spec does not allow to remove: back off. */
  | { state: "blocked"; message: string }
  /** Retrying cannot help: the attempt fails now. */
  | { state: "misconfigured"; message: string };

/** Evictions in flight at once per round, like kubectl's parallel evictions but bounded. */
const EVICTIONS_PER_ROUND = 32;

export async function drainRound(port: KubePort, node: string, spec: DrainSpec, now: number): Promise<DrainRound> {
  const selector = labelSelectorString(spec.podSelector);
  const pods = await port.list<PodObject>(POD_RESOURCE, {
    fieldSelector: `spec.nodeName=${node}`,
    ...(selector ? { labelSelector: selector } : {}),
  });
  const plan = planDrain(pods.items, spec, now);
  if (plan.blockers.length > 0) return { state: "blocked", message: `cannot drain: ${plan.blockers.join("; ")}` };
  if (plan.done) return { state: "done" };

  const grace = spec.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: spec.gracePeriodSeconds } : {};
  const failures = await Promise.all(
    plan.evict.slice(0, EVICTIONS_PER_ROUND).map(async (pod) => {
      const namespace = pod.metadata.namespace ?? "";
      try {
        // disableEviction deletes directly, bypassing PodDisruptionBudgets (kubectl --disable-eviction).
        if (spec.disableEviction) await port.delete(POD_RESOURCE, pod.metadata.name, namespace, grace);
        else await port.evict(pod.metadata.name, namespace, grace);
        return undefined;
      } catch (err) {
        return classifyEvictionError(err, pod);
      }
    }),
  );
  for (const failure of failures)
    if (failure?.kind === "misconfigured") return { state: "misconfigured", message: failure.message };
  const refused = failures.find((failure) => failure?.kind === "budget");
  if (refused?.kind === "budget") return { state: "blocked", message: refused.message };
  const retry = failures.find((failure) => failure?.kind === "retry");
  const pending = plan.evict.length + plan.terminating.length;
  return {
    state: "waiting",
    message: retry?.kind === "retry" ? retry.message : `draining: ${pending} pod(s) still on the node`,
  };
}
