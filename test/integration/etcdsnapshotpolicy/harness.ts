/**
 * Runs the EtcdSnapshotPolicy controller, unchanged, against the simulated cluster. Schedules are
 * minutes; a clock that runs `speed` times faster than real time (for the sim and the operator
 * alike) makes a minute pass in a couple of seconds, with the sim's node durations left real.
 */
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy, type EtcdSnapshotPolicySpecInput } from "../../../src/api/etcdsnapshotpolicy.ts";
import { termContext } from "../../../src/controllers/context.ts";
import { createEtcdSnapshotPolicyController } from "../../../src/controllers/etcdsnapshotpolicy/controller.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { createMetrics, type OperatorMetrics } from "../../../src/observability/metrics.ts";
import { ControllerManager } from "../../../src/operator/manager.ts";
import { sleepWith, type Clock } from "../../../src/runtime/clock.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import type { RequestKey } from "../../../src/sim/apiserver/faults.ts";
import { OPERATOR_CLIENT, type Sim } from "../../../src/sim/index.ts";
import type { ObjectStoreFactory } from "../../../src/storage/s3-store.ts";
import { externalKubeconfig } from "../../support/sim-harness.ts";
import { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig } from "../../support/operator-config.ts";

export { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig };


/** Real time times `speed`, from `start`; timers fire after `ms / speed` real milliseconds. */
export class FastClock implements Clock {
  private readonly speed: number;
  private readonly start: number;
  private readonly realStart = Date.now();

  constructor(speed: number, start = Date.UTC(2026, 2, 1, 0, 0, 30)) {
    this.speed = speed;
    this.start = start;
  }

  now(): number {
    return this.start + Math.floor((Date.now() - this.realStart) * this.speed);
  }

  setTimer(ms: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, ms / this.speed));
    return () => {
      clearTimeout(handle);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Real milliseconds for `ms` of this clock's time. */
  real(ms: number): number {
    return ms / this.speed;
  }
}


export interface RunningController {
  metrics: OperatorMetrics;
  stop(): Promise<void>;
}

/** One operator instance (a restart is stop() and a new one). */
export async function startController(port: KubePort, clock: Clock, options: { openStore?: ObjectStoreFactory } = {}): Promise<RunningController> {
  const metrics = createMetrics({ defaultMetrics: false });
  const log = silentLogger();
  const module = createEtcdSnapshotPolicyController(termContext({ port, clock, log, metrics, config: operatorConfig() }), options);
  const manager = new ControllerManager([module], log);
  await manager.start();
  return { metrics, stop: () => manager.stop() };
}

export function policy(name: string, spec: EtcdSnapshotPolicySpecInput): EtcdSnapshotPolicy {
  return { apiVersion: etcdSnapshotPolicyResource.apiVersion, kind: etcdSnapshotPolicyResource.kind, metadata: { name }, spec };
}

export async function getPolicy(port: KubePort, name: string): Promise<EtcdSnapshotPolicy | undefined> {
  return port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, name);
}

export function condition(object: EtcdSnapshotPolicy | undefined, type: string): { status: string; reason: string; message: string } | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/**
 * How many requests the operator's client made that match `filter`, as the simulated API server
 * accounted them (what test/rbac/operator-rbac.check.ts reads back); undefined against a real API
 * server, which keeps no such books.
 */
export function operatorRequests(sim: Sim, filter: Omit<Partial<RequestKey>, "client">): number | undefined {
  if (externalKubeconfig()) return undefined;
  if (!sim.requests) throw new Error("the simulated API server keeps no request accounting");
  return sim.requests.count({ ...filter, client: OPERATOR_CLIENT });
}
