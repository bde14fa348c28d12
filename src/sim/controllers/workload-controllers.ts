/**
 * The controllers kube-controller-manager would run for the sim's objects: Job, Deployment
 * (pods owned directly by the Deployment, no ReplicaSet), DaemonSet and the disruption
 * controller. Started only with the fake API server. This file wires their informers and queues;
 * what each does for one object is in workload-reconcilers.ts.
 */
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer } from "../../runtime/informer.ts";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { objectKey, type KubeObject } from "../../runtime/kube/types.ts";
import { valueIndex } from "../../runtime/store.ts";
import { controllerOf, DAEMONSETS, DEPLOYMENTS, isPodTerminal, JOBS, NODES, PDBS, PODS } from "../cluster/kinds.ts";
import type { DaemonSet, Deployment, Job, Node, Pod, PodDisruptionBudget } from "../cluster/kinds.ts";
import {
  reconcileDaemonSet,
  reconcileDeployment,
  reconcileJob,
  reconcilePdb,
  type WorkloadContext,
} from "./workload-reconcilers.ts";

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

    const ctx: WorkloadContext = {
      port: opts.port,
      clock: opts.clock,
      jobBackoffMs: opts.jobBackoffMs ?? 10_000,
      nodes: this.nodes.cache,
      jobs: this.jobs.cache,
      deployments: this.deployments.cache,
      daemonSets: this.daemonSets.cache,
      pdbs: this.pdbs.cache,
      podsInNamespace: (namespace) => this.pods.cache.byIndex(BY_NAMESPACE, namespace),
      ownedPods: (owner) => this.ownedPods(owner),
      podsPerNode: () => this.podsPerNode(),
      createOwnedPod: (owner, pod) => this.createOwnedPod(owner, pod),
      waitingForCreates: (owner) => this.waitingForCreates(owner),
      deleteIgnoringMissing: (type, name, namespace, propagation) =>
        this.deleteIgnoringMissing(type, name, namespace, propagation),
    };
    const job = this.controller("sim-job-controller", (key) => reconcileJob(ctx, key));
    const deployment = this.controller("sim-deployment-controller", (key) => reconcileDeployment(ctx, key));
    const daemonSet = this.controller("sim-daemonset-controller", (key) => reconcileDaemonSet(ctx, key));
    const disruption = this.controller("sim-disruption-controller", (key) => reconcilePdb(ctx, key));

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
}
