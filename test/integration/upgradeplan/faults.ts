/**
 * Tools for the reliability scenarios: a port that "dies" like a killed process (from a chosen
 * call on, every request fails and every watch ends), a clock that can jump (for maintenance
 * windows), a fresh simulated cluster per scenario, and a few cluster edits.
 */
import type { LabelSelector } from "../../../src/api/common.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import type {
  KubeObject,
  ResourceType,
  WatchEvent,
  WatchHandle,
  WatchOptions,
} from "../../../src/runtime/kube/types.ts";
import { sleepWith, type Clock } from "../../../src/runtime/clock.ts";
import { POD_RESOURCE } from "../../../src/nodeops/job.ts";
import type { PodObject } from "../../../src/rollout/kube-objects.ts";
import { startTestSim, waitFor } from "../../support/sim-harness.ts";

export type Call = { verb: keyof KubePort; type: ResourceType | undefined; object?: KubeObject };

/** A port whose process can be killed: after `kill()` (or the call `dieAfter` names) nothing gets through. */
export class KillablePort implements KubePort {
  dead = false;
  readonly calls: Call[] = [];
  private readonly inner: KubePort;
  private trip: ((call: Call) => boolean) | undefined;
  private readonly handles = new Set<WatchHandle>();

  constructor(inner: KubePort) {
    this.inner = inner;
  }

  /** Dies right after the first successful call matching `predicate`. */
  dieAfter(predicate: (call: Call) => boolean): void {
    this.trip = predicate;
  }

  kill(): void {
    this.dead = true;
    for (const handle of this.handles) handle.stop();
  }

  count(predicate: (call: Call) => boolean): number {
    return this.calls.filter(predicate).length;
  }

  private async call<R>(call: Call, run: () => Promise<R>): Promise<R> {
    if (this.dead) throw new KubeError("Retriable", "connection refused (process killed)", { code: 0 });
    this.calls.push(call);
    const result = await run();
    if (this.trip?.(call)) this.kill();
    return result;
  }

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string) {
    return this.call({ verb: "get", type }, () => this.inner.get<T>(type, name, namespace));
  }
  list<T extends KubeObject>(
    type: ResourceType,
    options?: Parameters<KubePort["list"]>[1],
    transformItem?: (item: T) => T,
  ) {
    return this.call({ verb: "list", type }, () => this.inner.list<T>(type, options, transformItem));
  }
  watch<T extends KubeObject>(type: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void) {
    return this.call({ verb: "watch", type }, async () => {
      const handle = await this.inner.watch<T>(type, options, (event) => {
        if (!this.dead) onEvent(event);
      });
      this.handles.add(handle);
      return handle;
    });
  }
  create<T extends KubeObject>(type: ResourceType, object: T) {
    return this.call({ verb: "create", type, object }, () => this.inner.create<T>(type, object));
  }
  replace<T extends KubeObject>(type: ResourceType, object: T) {
    return this.call({ verb: "replace", type, object }, () => this.inner.replace<T>(type, object));
  }
  apply<T extends KubeObject>(type: ResourceType, object: T, options?: { force?: boolean }) {
    return this.call({ verb: "apply", type, object }, () => this.inner.apply<T>(type, object, options));
  }
  mergePatch<T extends KubeObject>(type: ResourceType, name: string, patch: object, namespace?: string) {
    return this.call({ verb: "mergePatch", type }, () => this.inner.mergePatch<T>(type, name, patch, namespace));
  }
  patchStatus<T extends KubeObject>(
    type: ResourceType,
    name: string,
    status: object,
    namespace?: string,
    options?: { resourceVersion?: string },
  ) {
    return this.call({ verb: "patchStatus", type }, () =>
      this.inner.patchStatus<T>(type, name, status, namespace, options),
    );
  }
  delete(type: ResourceType, name: string, namespace?: string, options?: Parameters<KubePort["delete"]>[3]) {
    return this.call({ verb: "delete", type }, () => this.inner.delete(type, name, namespace, options));
  }
  evict(podName: string, namespace: string, options?: Parameters<KubePort["evict"]>[2]) {
    return this.call({ verb: "evict", type: POD_RESOURCE }, () => this.inner.evict(podName, namespace, options));
  }
}

export const WRITES: readonly string[] = ["create", "replace", "apply", "mergePatch", "patchStatus", "delete", "evict"];

/** Real time shifted by an offset the test can move forward (timers still run in real time). */
export class ShiftClock implements Clock {
  private offset: number;

  constructor(start: number) {
    this.offset = start - Date.now();
  }

  now(): number {
    return Date.now() + this.offset;
  }

  jumpTo(instant: number): void {
    this.offset = instant - Date.now();
  }

  /** A jump moves the wall clock only, as an NTP step would: leases keep measuring real time. */
  monotonic(): number {
    return performance.now();
  }

  setTimer(ms: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => {
      clearTimeout(handle);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }
}

/** A fresh 7-node cluster for one scenario (scenarios leave nodes upgraded, cordoned, claimed). */
export const freshSim = startTestSim;

/** Selects the agents only (no server role). */
export const AGENTS_ONLY: LabelSelector = {
  matchExpressions: [
    { key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" },
    { key: "node-role.kubernetes.io/etcd", operator: "DoesNotExist" },
  ],
};

/** A patch release: agents may run it ahead of the control plane (skew policy is per minor). */
export const PATCH = "v1.30.8+rke2r1";

/** A Deployment of one pod pinned to `node`, for drains a PodDisruptionBudget must block. */
export function pinnedDeployment(name: string, node: string, namespace = "demo-apps"): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": node },
          containers: [{ name, image: "registry.k8s.io/pause:3.10" }],
        },
      },
    },
  } as KubeObject;
}

export function budget(name: string, app: string, minAvailable: number, namespace = "demo-apps"): KubeObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name, namespace },
    spec: { minAvailable, selector: { matchLabels: { app } } },
  } as KubeObject;
}

/** The name of the one Ready, not terminating `app` pod on `node`, once there is one. */
export async function readyPodOn(port: KubePort, app: string, node: string, namespace = "demo-apps"): Promise<string> {
  return waitFor(
    async () => {
      const pods = (await port.list<PodObject>(POD_RESOURCE, { namespace, labelSelector: `app=${app}` })).items;
      const ready = pods.find(
        (pod) =>
          pod.spec?.nodeName === node &&
          pod.metadata.deletionTimestamp === undefined &&
          pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
      );
      return ready?.metadata.name;
    },
    { what: `a Ready ${app} pod on ${node}` },
  );
}
