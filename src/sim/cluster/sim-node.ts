/**
 * One simulated RKE2 node as the API sees it: its Node object and status, its Lease heartbeat,
 * its mirror pods, and rke2 restarts. All writes go through the KubePort.
 */
import { isAlreadyExists, isNotFound } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { Logger } from "../../observability/logger.ts";
import { createCertificateSet, renewExpiringOnStart, rotateCertificates, type CertificateSet } from "./certificates.ts";
import type { SimDurations } from "./durations.ts";
import type { FaultBook } from "./faults.ts";
import type { SimSnapshotContent } from "./actions.ts";
import { LEASES, NODES, PODS, type Lease, type Node, type NodeStatus, type Pod } from "./kinds.ts";
import {
  buildMirrorPods,
  buildNode,
  buildNodeLease,
  buildNodeStatus,
  mirrorPodStatus,
  NODE_LEASE_NAMESPACE,
  nodeMetadataPatches,
  type NodeHealth,
  type NodeWriter,
} from "./node-objects.ts";
import type { SimNodeSpec } from "./topology.ts";

export interface SimNodeDeps {
  port: KubePort;
  clock: Clock;
  log: Logger;
  durations: SimDurations;
  faults: FaultBook;
  /**
   * Clients whose User-Agent names the component that writes that part of a real Node, so the
   * server records their field managers; the Node writes of a missing one go through `port`.
   */
  writers?: Partial<Record<NodeWriter, KubePort>>;
}

/** Lease renewals per full status post: the kubelet posts unchanged status rarely (nodeStatusReportFrequency 5 min). */
const HEARTBEATS_PER_STATUS_REPORT = 30;

export class SimNode {
  readonly spec: SimNodeSpec;
  version: string;
  health: NodeHealth = "ready";
  certificates: CertificateSet;
  /** The pod holding the node's one snapshot save slot. */
  saveHolder: string | undefined;
  /** SIMULATED snapshot files on this node's disk, by host path: what a restore drill would find in them. */
  readonly snapshotFiles = new Map<string, SimSnapshotContent>();
  private uid = "";
  private readonly deps: SimNodeDeps;
  private heartbeats = 0;
  /** What this kubelet posted last (a real kubelet keeps it too): the next post needs no GET. */
  private lastStatus: NodeStatus | undefined;
  /** A change not posted yet (the post failed): the next beat posts it, as the kubelet's next status sync would. */
  private statusPending = false;
  private mirrorStartedMs: number;
  /**
   * Mirror pods not brought in line with a restart yet (a request failed): the next beat tries
   * again, as the kubelet's static pod sync keeps recreating a missing mirror pod.
   */
  private mirrorSync: "replace" | "refresh" | undefined;
  private mirrorSyncing: Promise<void> | undefined;
  private podIps = 0;
  private stopped = false;
  private cancelRestart: (() => void) | undefined;

  constructor(spec: SimNodeSpec, version: string, deps: SimNodeDeps) {
    this.spec = spec;
    this.version = version;
    this.deps = deps;
    this.certificates = createCertificateSet(spec.roles, deps.clock.now());
    this.mirrorStartedMs = deps.clock.now();
  }

  get name(): string {
    return this.spec.name;
  }

  nextPodIp(): string {
    this.podIps = (this.podIps % 250) + 1;
    return `10.42.${this.spec.index % 256}.${this.podIps + 1}`;
  }

  /** Registers the node (or takes over an existing one of that name), posts status, lease and mirror pods. */
  async register(): Promise<void> {
    const kubelet = this.writer("kubelet");
    let node: Node;
    try {
      node = await kubelet.create(NODES, buildNode(this.spec));
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await kubelet.get<Node>(NODES, this.name);
      if (!existing) throw err;
      node = existing;
    }
    this.uid = node.metadata.uid ?? "";
    for (const { writer, patch } of nodeMetadataPatches(this.spec, this.version)) {
      node = await this.writer(writer).mergePatch<Node>(NODES, this.name, patch);
    }
    await this.postStatus(node);
    await this.renewLease();
    await this.createMirrorPods();
  }

  stop(): void {
    // A beat in flight finishes; the flag keeps later ones from starting.
    this.stopped = true;
    this.cancelRestart?.();
  }

  /** One heartbeat (driven by heartbeats.ts): renew the Lease; every 30th, or after a failed post, the full status. */
  async beat(): Promise<void> {
    // A node whose rke2 is down posts nothing: its lease goes stale as on a real cluster.
    if (this.stopped || this.health === "restarting") return;
    this.heartbeats++;
    try {
      await this.renewLease();
      if (this.statusPending || this.heartbeats % HEARTBEATS_PER_STATUS_REPORT === 0) await this.postStatus();
      if (this.mirrorSync) await this.syncMirrorPods();
    } catch (err) {
      this.deps.log.debug({ err, node: this.name }, "heartbeat failed");
    }
  }

  private writer(name: NodeWriter): KubePort {
    return this.deps.writers?.[name] ?? this.deps.port;
  }

  async postStatus(current?: Node): Promise<void> {
    const kubelet = this.writer("kubelet");
    this.statusPending = true;
    const previous = current?.status ?? this.lastStatus ?? (await kubelet.get<Node>(NODES, this.name))?.status;
    const status = buildNodeStatus(this.spec, this.version, this.health, this.deps.clock.now(), previous);
    await kubelet.patchStatus(NODES, this.name, status);
    this.lastStatus = status;
    this.statusPending = false;
  }

  private async renewLease(): Promise<void> {
    const lease = buildNodeLease(this.name, this.uid, this.deps.clock.now());
    try {
      await this.writer("kubelet").mergePatch<Lease>(LEASES, this.name, { spec: lease.spec }, NODE_LEASE_NAMESPACE);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await this.writer("kubelet").create(LEASES, lease);
    }
  }

  /** Mirror pods are Ready when the node is and the component is healthy (etcd: the etcdUnhealthy knob). */
  private mirrorReady(pod: Pod): boolean {
    if (this.health !== "ready") return false;
    return !(pod.metadata.labels?.component === "etcd" && this.deps.faults.of(this.name).etcdUnhealthy);
  }

  private async createMirrorPods(): Promise<void> {
    const { port, clock } = this.deps;
    this.mirrorStartedMs = clock.now();
    for (const pod of buildMirrorPods(this.spec, this.uid, this.version)) {
      let stored: Pod;
      try {
        stored = await port.create(PODS, pod);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        stored = (await port.get<Pod>(PODS, pod.metadata.name, "kube-system")) ?? pod;
      }
      await port.patchStatus(
        PODS,
        pod.metadata.name,
        mirrorPodStatus(stored, this.spec.index, this.mirrorReady(stored), this.mirrorStartedMs, clock.now()),
        "kube-system",
      );
    }
  }

  /** Re-posts mirror pod readiness (after a fault knob changed or a restart began). */
  async refreshMirrorPods(): Promise<void> {
    const { port, clock } = this.deps;
    for (const template of buildMirrorPods(this.spec, this.uid, this.version)) {
      const pod = await port.get<Pod>(PODS, template.metadata.name, "kube-system");
      if (!pod) continue;
      await port.patchStatus(
        PODS,
        pod.metadata.name,
        mirrorPodStatus(pod, this.spec.index, this.mirrorReady(pod), this.mirrorStartedMs, clock.now()),
        "kube-system",
      );
    }
  }

  /**
   * rke2 got SIGTERM (upgrade) or was stopped for a rotation: the node drops out, then comes back
   * after the restart time with the new binary, renewed certificates and fresh mirror pods.
   */
  async restart(change: { version?: string; rotateServices?: string[] }): Promise<void> {
    this.health = "restarting";
    await this.postStatus();
    await this.refreshMirrorPods();
    this.cancelRestart = this.deps.clock.setTimer(this.deps.durations.restartMs, () => {
      void this.finishRestart(change).catch((err: unknown) => {
        this.deps.log.error({ err, node: this.name }, "restart failed");
      });
    });
  }

  private async finishRestart(change: { version?: string; rotateServices?: string[] }): Promise<void> {
    const now = this.deps.clock.now();
    const upgraded = change.version !== undefined && change.version !== this.version;
    if (change.version) this.version = change.version;
    if (change.rotateServices) this.certificates = rotateCertificates(this.certificates, change.rotateServices, now);
    this.certificates = renewExpiringOnStart(this.certificates, now);
    this.health = this.deps.faults.of(this.name).neverReady ? "not-ready" : "ready";
    // A new static pod manifest: the kubelet replaces the mirror pods (new uid).
    this.mirrorSync = upgraded ? "replace" : "refresh";
    if (!upgraded) this.mirrorStartedMs = now;
    await this.postStatus();
    await this.renewLease();
    await this.syncMirrorPods();
  }

  /** One sync at a time: a beat must not delete the pods a restart is creating. */
  private syncMirrorPods(): Promise<void> {
    this.mirrorSyncing ??= this.replaceOrRefreshMirrorPods().finally(() => {
      this.mirrorSyncing = undefined;
    });
    return this.mirrorSyncing;
  }

  private async replaceOrRefreshMirrorPods(): Promise<void> {
    if (this.mirrorSync === "replace") {
      for (const pod of buildMirrorPods(this.spec, this.uid, this.version)) {
        await this.deps.port
          .delete(PODS, pod.metadata.name, "kube-system", { gracePeriodSeconds: 0 })
          .catch((err: unknown) => {
            if (!isNotFound(err)) throw err; // deleted by the try that failed later
          });
      }
      await this.createMirrorPods();
    } else {
      await this.refreshMirrorPods();
    }
    this.mirrorSync = undefined;
  }
}
