/**
 * The controllers kube-controller-manager would run for the sim's objects: Job, Deployment
 * (pods owned directly by the Deployment, no ReplicaSet), DaemonSet and the disruption
 * controller. Started only with the fake API server.
 */
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer } from "../../runtime/informer.ts";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { objectKey, type KubeObject } from "../../runtime/kube/types.ts";
import { valueIndex } from "../../runtime/store.ts";
import {
  controllerOf,
  DAEMONSETS,
  DEPLOYMENTS,
  isPodReady,
  isPodTerminal,
  JOBS,
  NODES,
  PDBS,
  PODS,
} from "../cluster/kinds.ts";
import type { DaemonSet, Deployment, Job, Node, Pod, PodDisruptionBudget } from "../cluster/kinds.ts";
import { decideJob, jobStatusChanged } from "./job-decide.ts";
import { computePdbStatus } from "./pdb-status.ts";
import { podFromTemplate, randomSuffix } from "./pod-factory.ts";
import { podFitsNode } from "./scheduling.ts";
import { matchesSelector } from "./selectors.ts";

export interface SimControllerOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  /** The Job controller's first failed-pod backoff (10 s on a real cluster). */
  jobBackoffMs?: number;
}

const BY_OWNER = "owner";
const BY_NAMESPACE = "namespace";

export class SimControllers {
  private readonly opts: SimControllerOptions;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly jobs: Informer<Job>;
  private readonly deployments: Informer<Deployment>;
  private readonly daemonSets: Informer<DaemonSet>;
  private readonly pdbs: Informer<PodDisruptionBudget>;
  private readonly controllers: Controller[] = [];
  /** Owner uid -> pods created but not yet seen in the cache (the real controllers' "expectations"). */
  private readonly expectedCreates = new Map<string, number>();

  constructor(opts: SimControllerOptions) {
    this.opts = opts;
    const base = { port: opts.port, clock: opts.clock, logger: opts.log };
    this.pods = new Informer<Pod>({
      ...base,
      type: PODS,
      indexers: {
        [BY_OWNER]: valueIndex((p: Pod) => controllerOf(p)?.uid),
        [BY_NAMESPACE]: valueIndex((p: Pod) => p.metadata.namespace),
      },
    });
    this.nodes = new Informer<Node>({ ...base, type: NODES });
    this.jobs = new Informer<Job>({ ...base, type: JOBS });
    this.deployments = new Informer<Deployment>({ ...base, type: DEPLOYMENTS });
    this.daemonSets = new Informer<DaemonSet>({ ...base, type: DAEMONSETS });
    this.pdbs = new Informer<PodDisruptionBudget>({
      ...base,
      type: PDBS,
      indexers: { [BY_NAMESPACE]: valueIndex((p: PodDisruptionBudget) => p.metadata.namespace) },
    });

    const job = this.controller("sim-job-controller", (key) => this.reconcileJob(key));
    const deployment = this.controller("sim-deployment-controller", (key) => this.reconcileDeployment(key));
    const daemonSet = this.controller("sim-daemonset-controller", (key) => this.reconcileDaemonSet(key));
    const disruption = this.controller("sim-disruption-controller", (key) => this.reconcilePdb(key));

    this.jobs.addHandler(enqueueOnChange(job.queue));
    this.deployments.addHandler(enqueueOnChange(deployment.queue));
    this.daemonSets.addHandler(enqueueOnChange(daemonSet.queue));
    this.pdbs.addHandler(enqueueOnChange(disruption.queue));
    this.pods.addHandler({
      onAdd: (pod) => {
        const owner = controllerOf(pod);
        const pending = owner ? this.expectedCreates.get(owner.uid) : undefined;
        if (owner && pending) this.expectedCreates.set(owner.uid, pending - 1);
      },
    });
    const ownerKey = (kind: string) => (pod: Pod) => {
      const owner = controllerOf(pod);
      return owner?.kind === kind ? `${pod.metadata.namespace ?? ""}/${owner.name}` : undefined;
    };
    this.pods.addHandler(enqueueOnChange(job.queue, ownerKey("Job")));
    this.pods.addHandler(enqueueOnChange(deployment.queue, ownerKey("Deployment")));
    this.pods.addHandler(enqueueOnChange(daemonSet.queue, ownerKey("DaemonSet")));
    this.pods.addHandler(
      enqueueOnChange(disruption.queue, (pod) =>
        this.pdbs.cache.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? "").map((p) => objectKey(p.metadata)),
      ),
    );
    this.deployments.addHandler(
      enqueueOnChange(disruption.queue, (d) =>
        this.pdbs.cache.byIndex(BY_NAMESPACE, d.metadata.namespace ?? "").map((p) => objectKey(p.metadata)),
      ),
    );
    this.nodes.addHandler(enqueueOnChange(daemonSet.queue, () => this.daemonSets.cache.keys()));
  }

  private controller(name: string, reconcile: (key: string) => Promise<{ requeueAfterMs?: number }>): Controller {
    const controller = new Controller({
      name,
      clock: this.opts.clock,
      logger: this.opts.log,
      concurrency: 4,
      reconcile,
    });
    this.controllers.push(controller);
    return controller;
  }

  private informers(): Informer<never>[] {
    return [
      this.pods,
      this.nodes,
      this.jobs,
      this.deployments,
      this.daemonSets,
      this.pdbs,
    ] as unknown as Informer<never>[];
  }

  async start(): Promise<void> {
    for (const informer of this.informers()) informer.start();
    await Promise.all(this.informers().map((i) => i.synced));
    for (const controller of this.controllers) controller.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.controllers.map((c) => c.stop()));
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  private ownedPods(owner: KubeObject): Pod[] {
    return this.pods.cache.byIndex(BY_OWNER, owner.metadata.uid ?? "");
  }

  private podsPerNode(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const pod of this.pods.cache.list()) {
      if (pod.spec.nodeName && !isPodTerminal(pod))
        counts.set(pod.spec.nodeName, (counts.get(pod.spec.nodeName) ?? 0) + 1);
    }
    return counts;
  }

  private async createOwnedPod(owner: KubeObject, pod: Pod): Promise<void> {
    const uid = owner.metadata.uid ?? "";
    this.expectedCreates.set(uid, (this.expectedCreates.get(uid) ?? 0) + 1);
    try {
      await this.opts.port.create(PODS, pod);
    } catch (err) {
      this.expectedCreates.set(uid, Math.max(0, (this.expectedCreates.get(uid) ?? 1) - 1));
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private waitingForCreates(owner: KubeObject): boolean {
    return (this.expectedCreates.get(owner.metadata.uid ?? "") ?? 0) > 0;
  }

  private async deleteIgnoringMissing(
    type: typeof PODS,
    name: string,
    namespace?: string,
    propagation?: "Background",
  ): Promise<void> {
    try {
      await this.opts.port.delete(type, name, namespace, propagation ? { propagationPolicy: propagation } : {});
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async reconcileJob(key: string): Promise<{ requeueAfterMs?: number }> {
    const job = this.jobs.cache.get(key);
    if (!job || job.metadata.deletionTimestamp || this.waitingForCreates(job)) return {};
    const decision = decideJob(job, this.ownedPods(job), {
      now: this.opts.clock.now(),
      podFailureBackoffMs: this.opts.jobBackoffMs ?? 10_000,
    });
    if (decision.deleteJob) {
      await this.deleteIgnoringMissing(JOBS, job.metadata.name, job.metadata.namespace, "Background");
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
        this.nodes.cache.list(),
        this.podsPerNode(),
      );
      await this.createOwnedPod(job, pod);
    }
    for (const name of decision.deletePods) await this.deleteIgnoringMissing(PODS, name, job.metadata.namespace);
    if (jobStatusChanged(job.status, decision.status))
      await this.opts.port.patchStatus(JOBS, job.metadata.name, decision.status, job.metadata.namespace);
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  private async reconcileDeployment(key: string): Promise<{ requeueAfterMs?: number }> {
    const deployment = this.deployments.cache.get(key);
    if (!deployment || deployment.metadata.deletionTimestamp || this.waitingForCreates(deployment)) return {};
    const live = this.ownedPods(deployment).filter((pod) => !isPodTerminal(pod) && !pod.metadata.deletionTimestamp);
    const replicas = deployment.spec.replicas ?? 1;
    for (let i = live.length; i < replicas; i++) {
      const pod = podFromTemplate(
        {
          owner: deployment,
          template: deployment.spec.template,
          name: `${deployment.metadata.name}-${randomSuffix(10)}`,
        },
        this.nodes.cache.list(),
        this.podsPerNode(),
      );
      await this.createOwnedPod(deployment, pod);
    }
    for (const extra of live.slice(replicas))
      await this.deleteIgnoringMissing(PODS, extra.metadata.name, extra.metadata.namespace);
    const ready = live.filter(isPodReady).length;
    const status = {
      observedGeneration: deployment.metadata.generation ?? 1,
      replicas: Math.min(live.length, replicas),
      updatedReplicas: Math.min(live.length, replicas),
      readyReplicas: ready,
      availableReplicas: ready,
    };
    if (JSON.stringify(deployment.status ?? {}) !== JSON.stringify({ ...deployment.status, ...status })) {
      await this.opts.port.patchStatus(DEPLOYMENTS, deployment.metadata.name, status, deployment.metadata.namespace);
    }
    return {};
  }

  private async reconcileDaemonSet(key: string): Promise<{ requeueAfterMs?: number }> {
    const ds = this.daemonSets.cache.get(key);
    if (!ds || ds.metadata.deletionTimestamp || this.waitingForCreates(ds)) return {};
    // The real DaemonSet controller adds these tolerations to every daemon pod.
    const tolerations = [
      ...(ds.spec.template.spec.tolerations ?? []),
      { key: "node.kubernetes.io/not-ready", operator: "Exists" as const, effect: "NoExecute" as const },
      { key: "node.kubernetes.io/unreachable", operator: "Exists" as const, effect: "NoExecute" as const },
      { key: "node.kubernetes.io/unschedulable", operator: "Exists" as const, effect: "NoSchedule" as const },
    ];
    const pods = this.ownedPods(ds).filter((pod) => !pod.metadata.deletionTimestamp);
    const byNode = new Map(pods.map((pod) => [pod.spec.nodeName ?? "", pod]));
    let desired = 0;
    for (const node of this.nodes.cache.list()) {
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
        await this.createOwnedPod(
          ds,
          podFromTemplate({ owner: ds, template, name: `${ds.metadata.name}-${randomSuffix()}` }, [], new Map()),
        );
      } else if (!fits && existing) {
        await this.deleteIgnoringMissing(PODS, existing.metadata.name, existing.metadata.namespace);
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
      await this.opts.port.patchStatus(DAEMONSETS, ds.metadata.name, status, ds.metadata.namespace);
    }
    return {};
  }

  private async reconcilePdb(key: string): Promise<{ requeueAfterMs?: number }> {
    const pdb = this.pdbs.cache.get(key);
    if (!pdb) return {};
    const namespace = pdb.metadata.namespace ?? "";
    const pods = this.pods.cache
      .byIndex(BY_NAMESPACE, namespace)
      .filter((pod) => !isPodTerminal(pod) && matchesSelector(pod.metadata.labels, pdb.spec.selector));
    const expectedScale = (): number | string => {
      const seen = new Set<string>();
      let total = 0;
      for (const pod of pods) {
        const owner = controllerOf(pod);
        const deployment =
          owner?.kind === "Deployment" ? this.deployments.cache.get(`${namespace}/${owner.name}`) : undefined;
        if (!owner || !deployment) return `found no controllers for pod "${pod.metadata.name}"`;
        if (seen.has(owner.uid)) continue;
        seen.add(owner.uid);
        total += deployment.spec.replicas ?? 1;
      }
      return total;
    };
    const status = computePdbStatus(
      { pdb, pods, expectedScale },
      new Date(this.opts.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
    );
    if (JSON.stringify(pdb.status ?? {}) !== JSON.stringify(status))
      await this.opts.port.patchStatus(PDBS, pdb.metadata.name, status, namespace);
    return {};
  }
}
