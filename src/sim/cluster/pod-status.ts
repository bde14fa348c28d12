/** Pod statuses as the kubelet writes them: Running (ready or not) and terminated. */
import { createHash } from "node:crypto";
import type { Condition, ContainerStatus, Pod, PodStatus } from "./kinds.ts";
import { rfc3339 } from "./kinds.ts";

export interface RunningFacts {
  hostIP: string;
  podIP: string;
  ready: boolean;
  /** When the containers started; kept across status updates. */
  startedMs: number;
  nowMs: number;
}

function containerId(pod: Pod, container: string): string {
  return `containerd://${createHash("sha256")
    .update(`${pod.metadata.uid ?? pod.metadata.name}/${container}`)
    .digest("hex")}`;
}

function conditionsOf(pod: Pod, statuses: Record<string, "True" | "False">, now: string, reason?: string): Condition[] {
  return Object.entries(statuses).map(([type, status]) => {
    const prior = pod.status?.conditions?.find((c) => c.type === type);
    const lastTransitionTime = prior?.status === status ? (prior.lastTransitionTime ?? now) : now;
    const why = status === "False" && reason && (type === "Ready" || type === "ContainersReady") ? { reason } : {};
    return { type, status, lastProbeTime: null, lastTransitionTime, ...why };
  });
}

export function runningPodStatus(pod: Pod, facts: RunningFacts): PodStatus {
  const now = rfc3339(facts.nowMs);
  const started = rfc3339(facts.startedMs);
  const readiness = facts.ready ? "True" : "False";
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((container) => ({
    name: container.name,
    image: container.image,
    imageID:
      (container.image.split(":")[0] ?? container.image) +
      `@sha256:${createHash("sha256").update(container.image).digest("hex")}`,
    containerID: containerId(pod, container.name),
    ready: facts.ready,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: started } },
  }));
  return {
    phase: "Running",
    conditions: conditionsOf(
      pod,
      {
        PodReadyToStartContainers: "True",
        Initialized: "True",
        Ready: readiness,
        ContainersReady: readiness,
        PodScheduled: "True",
      },
      now,
      "ContainersNotReady",
    ),
    hostIP: facts.hostIP,
    podIP: facts.podIP,
    podIPs: [{ ip: facts.podIP }],
    startTime: pod.status?.startTime ?? started,
    containerStatuses,
  };
}

export interface Termination {
  exitCode: number;
  /** The termination message (what the container wrote to /dev/termination-log). */
  message?: string;
  nowMs: number;
}

/**
 * The first container ended (the sim's pods have one that matters); a pod that never restarts is
 * then terminal. Reason `Completed` for exit 0, `Error` otherwise, as containerd reports it.
 */
export function terminatedPodStatus(pod: Pod, termination: Termination): PodStatus {
  const now = rfc3339(termination.nowMs);
  const startedAt = pod.status?.containerStatuses?.[0]?.state.running?.startedAt ?? pod.status?.startTime ?? now;
  const succeeded = termination.exitCode === 0;
  const containerStatuses: ContainerStatus[] = pod.spec.containers.map((container, index) => ({
    name: container.name,
    image: container.image,
    imageID: pod.status?.containerStatuses?.[index]?.imageID ?? "",
    containerID: containerId(pod, container.name),
    ready: false,
    started: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: index === 0 ? termination.exitCode : 0,
        reason: index === 0 && !succeeded ? "Error" : "Completed",
        ...(index === 0 && termination.message !== undefined ? { message: termination.message } : {}),
        startedAt,
        finishedAt: now,
      },
    },
  }));
  return {
    ...pod.status,
    phase: succeeded ? "Succeeded" : "Failed",
    conditions: conditionsOf(
      pod,
      {
        PodReadyToStartContainers: "False",
        Initialized: "True",
        Ready: "False",
        ContainersReady: "False",
        PodScheduled: "True",
      },
      now,
      "PodCompleted",
    ),
    containerStatuses,
  };
}
