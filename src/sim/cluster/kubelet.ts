/**
 * The kubelets of all simulated nodes, as one reconciler over a pod informer: bound pods start,
 * deleted pods go after their containers stop, node action pods do what the action does.
 * Level-triggered: each pod's next step is derived from its current state and a due time.
 */
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../api/etcdsnapshotfile.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Clock } from "../../runtime/clock.ts";
import { Controller, type ReconcileResult } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer } from "../../runtime/informer.ts";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { splitKey } from "../../runtime/kube/types.ts";
import { actionRequestOf, planAction, type ActionOutcome, type ActionRequest } from "./actions.ts";
import type { SimDurations } from "./durations.ts";
import type { FaultBook } from "./faults.ts";
import { isPodTerminal, PODS, type Pod } from "./kinds.ts";
import { MIRROR_ANNOTATION } from "./node-objects.ts";
import { runningPodStatus, terminatedPodStatus } from "./pod-status.ts";
import type { SimNode } from "./sim-node.ts";
import { nodeAddress } from "./topology.ts";

export interface KubeletDeps {
  port: KubePort;
  clock: Clock;
  log: Logger;
  durations: SimDurations;
  faults: FaultBook;
  nodes: ReadonlyMap<string, SimNode>;
  snapshotSizeBytes: number;
}

function actionDuration(request: ActionRequest, durations: SimDurations): number {
  switch (request.action) {
    case "upgrade":
      return durations.upgradeMs;
    case "cert-rotate":
      return durations.certRotateMs;
    case "invalid":
      return 0;
    default:
      return durations.snapshotMs;
  }
}

export class Kubelets {
  private readonly deps: KubeletDeps;
  private readonly informer: Informer<Pod>;
  private readonly controller: Controller;
  /** pod key -> when its pending step is due (start, action end, container exit). */
  private readonly dueAt = new Map<string, number>();

  constructor(deps: KubeletDeps) {
    this.deps = deps;
    this.informer = new Informer<Pod>({ port: deps.port, type: PODS, clock: deps.clock, logger: deps.log });
    this.controller = new Controller({
      name: "sim-kubelet",
      clock: deps.clock,
      logger: deps.log,
      concurrency: 8,
      reconcile: (key) => this.reconcile(key),
    });
    this.informer.addHandler(
      enqueueOnChange(this.controller.queue, (pod) =>
        pod.spec.nodeName && deps.nodes.has(pod.spec.nodeName)
          ? `${pod.metadata.namespace ?? ""}/${pod.metadata.name}`
          : undefined,
      ),
    );
  }

  async start(): Promise<void> {
    this.informer.start();
    this.controller.start();
    await this.informer.synced;
  }

  async stop(): Promise<void> {
    await this.controller.stop();
    await this.informer.stop();
  }

  /** Pods on a node, from the cache (for the node-level views of the cluster). */
  podsOn(node: string): Pod[] {
    return this.informer.cache.list().filter((pod) => pod.spec.nodeName === node);
  }

  /** Re-examines every pod of a node (it came back Ready, or a fault changed). */
  resync(node: string): void {
    for (const pod of this.podsOn(node))
      this.controller.queue.add(`${pod.metadata.namespace ?? ""}/${pod.metadata.name}`);
  }

  /** Waits `ms` from the first time this step was asked for; true once due. */
  private due(key: string, ms: number): { ready: boolean; waitMs: number } {
    const now = this.deps.clock.now();
    const at = this.dueAt.get(key) ?? now + ms;
    this.dueAt.set(key, at);
    return at <= now ? { ready: true, waitMs: 0 } : { ready: false, waitMs: at - now };
  }

  private async reconcile(key: string): Promise<ReconcileResult> {
    const pod = this.informer.cache.get(key);
    const node = pod?.spec.nodeName ? this.deps.nodes.get(pod.spec.nodeName) : undefined;
    if (!pod || !node || pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) {
      this.dueAt.delete(key);
      return {};
    }
    // A node whose kubelet is down or unhealthy makes no progress on its pods.
    if (node.health !== "ready") return {};
    const { namespace = "", name } = splitKey(key);
    const { durations, port, clock } = this.deps;

    if (pod.metadata.deletionTimestamp) {
      const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
      const stopMs = this.deps.faults.of(node.name).slowDrain
        ? Math.min(grace, durations.slowDrainStopMs)
        : Math.min(grace, durations.podStopMs);
      const wait = this.due(`${key}#stop`, stopMs);
      if (!wait.ready) return { requeueAfterMs: wait.waitMs };
      if (node.saveHolder === key) node.saveHolder = undefined;
      await port.delete(PODS, name, namespace, { gracePeriodSeconds: 0 });
      this.dueAt.delete(`${key}#stop`);
      return {};
    }
    if (isPodTerminal(pod)) return {};

    const request = actionRequestOf(pod);
    if (pod.status?.phase !== "Running") {
      const wait = this.due(`${key}#start`, durations.podStartMs);
      if (!wait.ready) return { requeueAfterMs: wait.waitMs };
      this.dueAt.delete(`${key}#start`);
      if (request?.action === "snapshot-save") node.saveHolder ??= key;
      const status = runningPodStatus(pod, {
        hostIP: nodeAddress(node.spec.index),
        podIP: pod.spec.hostNetwork ? nodeAddress(node.spec.index) : node.nextPodIp(),
        ready: true,
        startedMs: clock.now(),
        nowMs: clock.now(),
      });
      await port.patchStatus(PODS, name, status, namespace);
      return request ? { requeueAfterMs: actionDuration(request, durations) } : {};
    }
    if (!request) return {};

    const wait = this.due(`${key}#action`, actionDuration(request, durations));
    if (!wait.ready) return { requeueAfterMs: wait.waitMs };
    await this.finishAction(key, pod, node, request);
    this.dueAt.delete(`${key}#action`);
    return {};
  }

  private async finishAction(key: string, pod: Pod, node: SimNode, request: ActionRequest): Promise<void> {
    const { port, clock } = this.deps;
    const records = request.action === "snapshot-delete" ? await this.listRecords() : [];
    const outcome: ActionOutcome = planAction(request, {
      name: node.name,
      roles: node.spec.roles,
      version: node.version,
      faults: this.deps.faults.of(node.name),
      saveInProgress: node.saveHolder !== undefined && node.saveHolder !== key,
      snapshotRecords: records,
      nowMs: clock.now(),
      snapshotSizeBytes: this.deps.snapshotSizeBytes,
      snapshotFiles: node.snapshotFiles,
    });
    for (const [path, content] of outcome.writeFiles ?? []) node.snapshotFiles.set(path, content);
    for (const path of outcome.removeFiles ?? []) node.snapshotFiles.delete(path);
    if (node.saveHolder === key) node.saveHolder = undefined;
    for (const record of outcome.createRecords) await this.createRecord(record);
    for (const name of outcome.deleteRecords) await port.delete(etcdSnapshotFileResource, name);
    const status = terminatedPodStatus(pod, {
      exitCode: outcome.exitCode,
      ...(outcome.message !== undefined ? { message: outcome.message } : {}),
      nowMs: clock.now(),
    });
    await port.patchStatus(PODS, pod.metadata.name, status, pod.metadata.namespace);
    // The Job ends when rke2 is restarting, not when the node is healthy again.
    if (outcome.restart) {
      await node.restart({
        ...outcome.restart,
        ...(outcome.rotateServices ? { rotateServices: outcome.rotateServices } : {}),
      });
      this.deps.clock.setTimer(this.deps.durations.restartMs + 1, () => {
        this.resync(node.name);
      });
    }
  }

  /** RKE2's records; none where the API server does not serve the kind (RKE2 before the CRD). */
  private async listRecords(): Promise<EtcdSnapshotFile[]> {
    try {
      return (await this.deps.port.list<EtcdSnapshotFile>(etcdSnapshotFileResource)).items;
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  private async createRecord(record: EtcdSnapshotFile): Promise<void> {
    const { port } = this.deps;
    try {
      await port.create(etcdSnapshotFileResource, record);
    } catch (err) {
      // NotFound: no ETCDSnapshotFile kind here, as on RKE2 releases before the CRD.
      if (isNotFound(err)) return;
      if (!isAlreadyExists(err)) throw err;
    }
    // The CRD has a status subresource: status written on create is dropped, as on a real server.
    try {
      if (record.status) await port.patchStatus(etcdSnapshotFileResource, record.metadata.name, record.status);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
