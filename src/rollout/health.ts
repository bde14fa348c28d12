/**
 * The health gate after a node's Job, and the etcd quorum guard before disrupting a server. Pure.
 *
 * Health gate: the node is Ready, its kubelet reports the target version (upgrades), and its
 * static pods' mirror pods are Ready, continuously for `settle`. "Continuously since" is the
 * latest of: the Job's end (the restart begins then, so older readiness proves nothing), the
 * node's Ready transition, each mirror pod's Ready transition, and the moment the engine first
 * saw all of it healthy (a restarted operator waits the settle time again: safe). A node not
 * healthy `timeout` after its Job ended has failed the attempt; one that is settling has not.
 */
import type { MirrorPodHealth, ObservedNode } from "./types.ts";

export interface HealthInput {
  now: number;
  jobFinishedAtMs: number;
  node: Pick<ObservedNode, "ready" | "readySinceMs" | "kubeletVersion">;
  mirrorPods: readonly MirrorPodHealth[];
  gate: { timeoutMs: number; settleMs: number; kubeletVersion?: string | undefined };
  /**
   * When the engine first saw the node healthy (kept in memory); undefined: this is the first
   * time, so the settle starts now. Condition timestamps have whole-second precision and say
   * nothing about flaps between two of our looks, so they alone cannot time the settle.
   */
  observedHealthySinceMs?: number | undefined;
}

export type HealthVerdict =
  | { state: "healthy" }
  /** `settling`: nothing is wrong, the settle time is not over yet. */
  | { state: "waiting"; message: string; recheckInMs: number; settling: boolean }
  | { state: "timedOut"; message: string }
  /** The upgrade Job succeeded but rke2 was evidently not restarted (see {@link notRestarted}). */
  | { state: "notRestarted"; message: string };

/**
 * How long after a successful upgrade Job the kubelet may keep its old version before the engine
 * concludes rke2 was not restarted; half the gate's timeout when that is shorter. A restarted
 * rke2 starts its kubelet, which reports the new version, within a minute or two.
 */
export const RESTART_GRACE_MS = 3 * 60_000;

/**
 * rancher/rke2-upgrade's `upgrade.sh` exits 0 without killing rke2 when the binary on the node
 * already matches the image's ("Binary already been replaced"), e.g. after an earlier attempt
 * copied it and died before the restart. Then the kubelet never reports the target. Evidence of
 * that: the grace period passed, the kubelet still reports another version, and the node has
 * been Ready since before the Job ended (a restart in progress would have shown up).
 */
function notRestarted(input: HealthInput): string | undefined {
  const { node, gate, now, jobFinishedAtMs } = input;
  const wanted = gate.kubeletVersion;
  if (wanted === undefined || node.kubeletVersion === wanted) return undefined;
  if (!node.ready || node.readySinceMs > jobFinishedAtMs) return undefined;
  const graceMs = Math.min(RESTART_GRACE_MS, gate.timeoutMs / 2);
  if (now < jobFinishedAtMs + graceMs) return undefined;
  return (
    `the upgrade Job succeeded but rke2 was not restarted: ${formatMs(graceMs)} later the kubelet still ` +
    `reports ${node.kubeletVersion ?? "no version"} (not ${wanted}) and the node never left Ready. ` +
    "rancher/rke2-upgrade exits 0 without a restart when the node's binary already matches; restart rke2 on the node " +
    "(systemctl restart rke2-server or rke2-agent)"
  );
}

export function healthProblems(input: Pick<HealthInput, "node" | "mirrorPods" | "gate">): string[] {
  const problems: string[] = [];
  if (!input.node.ready) problems.push("node is not Ready");
  const wanted = input.gate.kubeletVersion;
  if (wanted !== undefined && input.node.kubeletVersion !== wanted) {
    problems.push(`kubelet reports ${input.node.kubeletVersion ?? "no version"}, waiting for ${wanted}`);
  }
  for (const pod of input.mirrorPods) {
    if (!pod.exists) problems.push(`mirror pod kube-system/${pod.name} not found`);
    else if (!pod.ready) problems.push(`kube-system/${pod.name} is not Ready`);
  }
  return problems;
}

export function evaluateHealth(input: HealthInput): HealthVerdict {
  const { now, jobFinishedAtMs, gate } = input;
  const problems = healthProblems(input);
  const stuck = notRestarted(input);
  if (stuck !== undefined) return { state: "notRestarted", message: stuck };
  const deadline = jobFinishedAtMs + gate.timeoutMs;
  if (problems.length > 0) {
    const detail = problems.join("; ");
    if (now >= deadline) {
      return { state: "timedOut", message: `not healthy ${formatMs(gate.timeoutMs)} after its Job ended: ${detail}` };
    }
    return { state: "waiting", message: detail, recheckInMs: deadline - now, settling: false };
  }
  const healthySince = Math.max(
    jobFinishedAtMs,
    input.node.readySinceMs,
    ...input.mirrorPods.map((pod) => pod.readySinceMs),
    input.observedHealthySinceMs ?? now,
  );
  const settledAt = healthySince + gate.settleMs;
  if (now >= settledAt) return { state: "healthy" };
  // The message must not count down: a status that changes every round rewrites itself forever.
  return {
    state: "waiting",
    message: `healthy since ${new Date(healthySince).toISOString()}, settling ${formatMs(gate.settleMs)}`,
    recheckInMs: settledAt - now,
    settling: true,
  };
}

/** An etcd member as the quorum guard sees it. */
export interface EtcdMember {
  name: string;
  ready: boolean;
  /** `kube-system/etcd-<node>` exists and is Ready. */
  etcdPodReady: boolean;
  /** Someone (any owner) is working on it: it counts as disrupted. */
  claimedBy: string | undefined;
}

export type GuardVerdict = { ok: true } | { ok: false; message: string };

/**
 * Disrupting an etcd member (or an API server in front of etcd) is allowed only while every
 * member is healthy and none is being worked on: with one member down, taking a second one
 * loses quorum on a 3-member cluster. `alreadyOut` is a node we disrupted before (a retry): it
 * does not block itself.
 */
export function etcdQuorumGuard(members: readonly EtcdMember[], alreadyOut?: string): GuardVerdict {
  const blocking = members
    .filter((member) => member.name !== alreadyOut)
    .flatMap((member) => {
      if (!member.ready) return [`${member.name} is not Ready`];
      if (!member.etcdPodReady) return [`etcd-${member.name} is not Ready`];
      if (member.claimedBy !== undefined) return [`${member.name} is being worked on by ${member.claimedBy}`];
      return [];
    });
  if (blocking.length === 0) return { ok: true };
  return { ok: false, message: `etcd quorum guard: ${blocking.join("; ")}` };
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes}m` : `${Math.round(minutes / 60)}h`;
}
