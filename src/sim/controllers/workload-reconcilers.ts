/**
 * What the sim's Job, Deployment, DaemonSet and disruption controllers do for one object, read
 * from the caches and written through the port that `SimControllers` (workload-controllers.ts)
 * hands them.
 */
import type { Clock } from "../../runtime/clock.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { KubeObject } from "../../runtime/kube/types.ts";
import type { ReadonlyStore } from "../../runtime/store.ts";
import {
  controllerOf,
  DAEMONSETS,
  DEPLOYMENTS,
  isPodReady,
  isPodTerminal,
  JOBS,
  PDBS,
  PODS,
} from "../cluster/kinds.ts";
import type { DaemonSet, Deployment, Job, Node, Pod, PodDisruptionBudget } from "../cluster/kinds.ts";
import { decideJob, jobStatusChanged } from "./job-decide.ts";
import { computePdbStatus } from "./pdb-status.ts";
import { podFromTemplate, randomSuffix } from "./pod-factory.ts";
import { podFitsNode } from "./scheduling.ts";
import { matchesSelector } from "./selectors.ts";

/** The caches and pod writes the reconcilers share. */
export interface WorkloadContext {
  port: KubePort;
  clock: Clock;
  /** The Job controller's first failed-pod backoff. */
  jobBackoffMs: number;
  nodes: ReadonlyStore<Node>;
  jobs: ReadonlyStore<Job>;
  deployments: ReadonlyStore<Deployment>;
  daemonSets: ReadonlyStore<DaemonSet>;
  pdbs: ReadonlyStore<PodDisruptionBudget>;
  podsInNamespace(namespace: string): Pod[];
  /** The pods `owner` controls. */
  ownedPods(owner: KubeObject): Pod[];
  /** Non-terminal pods bound to each node. */
  podsPerNode(): Map<string, number>;
  /** Creates a pod and expects it in the cache before `owner` is reconciled again. */
  createOwnedPod(owner: KubeObject, pod: Pod): Promise<void>;
  /** Whether pods `owner` created are not in the cache yet (the real controllers' "expectations"). */
  waitingForCreates(owner: KubeObject): boolean;
  deleteIgnoringMissing(type: typeof PODS, name: string, namespace?: string, propagation?: "Background"): Promise<void>;
}

export async function reconcileJob(ctx: WorkloadContext, key: string): Promise<{ requeueAfterMs?: number }> {
  const job = ctx.jobs.get(key);
  if (!job || job.metadata.deletionTimestamp || ctx.waitingForCreates(job)) return {};
  const decision = decideJob(job, ctx.ownedPods(job), {
    now: ctx.clock.now(),
    podFailureBackoffMs: ctx.jobBackoffMs,
  });
  if (decision.deleteJob) {
    await ctx.deleteIgnoringMissing(JOBS, job.metadata.name, job.metadata.namespace, "Background");
    return {};
  }
  if (decision.createPod) {
    const uid = job.metadata.uid ?? "";
    const labels = {
      "batch.kubernetes.io/controller-uid": uid,
      "batch.kubernetes.io/job-name": job.metadata.name,
      "controller-uid": uid,
      "job-name": job.metadata.name,
    };
    const pod = podFromTemplate(
      {
        owner: job,
        template: job.spec.template,
        name: `${job.metadata.name.slice(0, 57)}-${randomSuffix()}`,
        extraLabels: labels,
      },
      ctx.nodes.list(),
      ctx.podsPerNode(),
    );
    await ctx.createOwnedPod(job, pod);
  }
  for (const name of decision.deletePods) await ctx.deleteIgnoringMissing(PODS, name, job.metadata.namespace);
  if (jobStatusChanged(job.status, decision.status))
    await ctx.port.patchStatus(JOBS, job.metadata.name, decision.status, job.metadata.namespace);
  return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
}

export async function reconcileDeployment(ctx: WorkloadContext, key: string): Promise<{ requeueAfterMs?: number }> {
  const deployment = ctx.deployments.get(key);
  if (!deployment || deployment.metadata.deletionTimestamp || ctx.waitingForCreates(deployment)) return {};
  const live = ctx.ownedPods(deployment).filter((pod) => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp);
  const replicas = deployment.spec.replicas ?? 1;
  for (let i = live.length; i < replicas; i++) {
    const pod = podFromTemplate(
      {
        owner: deployment,
        template: deployment.spec.template,
        name: `${deployment.metadata.name}-${randomSuffix(10)}`,
      },
      ctx.nodes.list(),
      ctx.podsPerNode(),
    );
    await ctx.createOwnedPod(deployment, pod);
  }
  for (const extra of live.slice(replicas))
    await ctx.deleteIgnoringMissing(PODS, extra.metadata.name, extra.metadata.namespace);
  const ready = live.filter(isPodReady).length;
  const status = {
    observedGeneration: deployment.metadata.generation ?? 1,
    replicas: Math.min(live.length, replicas),
    updatedReplicas: Math.min(live.length, replicas),
    readyReplicas: ready,
    availableReplicas: ready,
  };
  if (JSON.stringify(deployment.status ?? {}) !== JSON.stringify({ ...deployment.status, ...status })) {
    await ctx.port.patchStatus(DEPLOYMENTS, deployment.metadata.name, status, deployment.metadata.namespace);
  }
  return {};
}

export async function reconcileDaemonSet(ctx: WorkloadContext, key: string): Promise<{ requeueAfterMs?: number }> {
  const ds = ctx.daemonSets.get(key);
  if (!ds || ds.metadata.deletionTimestamp || ctx.waitingForCreates(ds)) return {};
  // The real DaemonSet controller adds these tolerations to every daemon pod.
  const tolerations = [
    ...(ds.spec.template.spec.tolerations ?? []),
    { key: "node.kubernetes.io/not-ready", operator: "Exists" as const, effect: "NoExecute" as const },
    { key: "node.kubernetes.io/unreachable", operator: "Exists" as const, effect: "NoExecute" as const },
    { key: "node.kubernetes.io/unschedulable", operator: "Exists" as const, effect: "NoSchedule" as const },
  ];
  const pods = ctx.ownedPods(ds).filter((pod) => !pod.metadata.deletionTimestamp);
  const byNode = new Map(pods.map((pod) => [pod.spec.nodeName ?? "", pod]));
  let desired = 0;
  for (const node of ctx.nodes.list()) {
    const name = node.metadata.name;
    // Judged as on a Ready node: a NotReady node keeps its daemon pod, as with the real controller.
    const fits = podFitsNode(
      { ...ds.spec.template.spec, tolerations, nodeName: name },
      { ...node, status: { conditions: [{ type: "Ready", status: "True" }] } },
    ).fits;
    if (fits) desired++;
    const existing = byNode.get(name);
    if (fits && !existing) {
      const template = { ...ds.spec.template, spec: { ...ds.spec.template.spec, tolerations, nodeName: name } };
      await ctx.createOwnedPod(
        ds,
        podFromTemplate({ owner: ds, template, name: `${ds.metadata.name}-${randomSuffix()}` }, [], new Map()),
      );
    } else if (!fits && existing) {
      await ctx.deleteIgnoringMissing(PODS, existing.metadata.name, existing.metadata.namespace);
    }
  }
  const ready = pods.filter(isPodReady).length;
  const status = {
    observedGeneration: ds.metadata.generation ?? 1,
    desiredNumberScheduled: desired,
    currentNumberScheduled: pods.length,
    updatedNumberScheduled: pods.length,
    numberReady: ready,
    numberAvailable: ready,
    numberMisscheduled: 0,
  };
  if (JSON.stringify(ds.status ?? {}) !== JSON.stringify({ ...ds.status, ...status })) {
    await ctx.port.patchStatus(DAEMONSETS, ds.metadata.name, status, ds.metadata.namespace);
  }
  return {};
}

export async function reconcilePdb(ctx: WorkloadContext, key: string): Promise<{ requeueAfterMs?: number }> {
  const pdb = ctx.pdbs.get(key);
  if (!pdb) return {};
  const namespace = pdb.metadata.namespace ?? "";
  const pods = ctx
    .podsInNamespace(namespace)
    .filter((pod) => !isPodTerminal(pod) && matchesSelector(pod.metadata.labels, pdb.spec.selector));
  const expectedScale = (): number | string => {
    const seen = new Set<string>();
    let total = 0;
    for (const pod of pods) {
      const owner = controllerOf(pod);
      const deployment = owner?.kind === "Deployment" ? ctx.deployments.get(`${namespace}/${owner.name}`) : undefined;
      if (!owner || !deployment) return `found no controllers for pod "${pod.metadata.name}"`;
      if (seen.has(owner.uid)) continue;
      seen.add(owner.uid);
      total += deployment.spec.replicas ?? 1;
    }
    return total;
  };
  const status = computePdbStatus(
    { pdb, pods, expectedScale },
    new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
  );
  if (JSON.stringify(pdb.status ?? {}) !== JSON.stringify(status))
    await ctx.port.patchStatus(PDBS, pdb.metadata.name, status, namespace);
  return {};
}
