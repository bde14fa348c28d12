/**
 * Runs the EtcdSnapshotPolicy controller, unchanged, against the simulated cluster. Schedules are
 * minutes; a clock that runs `speed` times faster than real time (for the sim and the operator
 * alike) makes a minute pass in a couple of seconds, with the sim's node durations left real.
 */
import {
  etcdSnapshotPolicyResource,
  type EtcdSnapshotPolicy,
  type EtcdSnapshotPolicySpecInput,
} from "../../../src/api/etcdsnapshotpolicy.ts";
import { startTestOperator, type RunningOperator } from "../../support/operator-harness.ts";
import { sleepWith, type Clock } from "../../../src/runtime/clock.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import type { ObjectStoreFactory } from "../../../src/storage/s3-store.ts";
import type { TestSim } from "../../support/sim-harness.ts";
import type { RequestFilter } from "../../support/request-log.ts";
import { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig } from "../../support/operator-config.ts";

export { JOBS_NAMESPACE, OPERATOR_NAMESPACE, operatorConfig };

/** Real time times `speed`, from `start`; timers fire after `ms / speed` real milliseconds. */
export class FastClock implements Clock {
  private readonly speed: number;
  private readonly start: number;
  private readonly realStart = Date.now();

  /**
   * Starts at the real time (half a minute past the next minute): a real API server stamps objects
   * (creationTimestamp, a Job's completionTime) with real time, and a schedule counts from them.
   */
  constructor(speed: number, start = Math.ceil(Date.now() / 60_000) * 60_000 + 30_000) {
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

export type RunningController = RunningOperator;

/** One operator replica, as production runs it (a restart is stop() and a new one). */
export function startController(
  port: KubePort,
  clock: Clock,
  options: { openStore?: ObjectStoreFactory } = {},
): Promise<RunningController> {
  return startTestOperator(port, { clock, etcdSnapshotPolicy: options });
}

export function policy(name: string, spec: EtcdSnapshotPolicySpecInput): EtcdSnapshotPolicy {
  return {
    apiVersion: etcdSnapshotPolicyResource.apiVersion,
    kind: etcdSnapshotPolicyResource.kind,
    metadata: { name },
    spec,
  };
}

export async function getPolicy(port: KubePort, name: string): Promise<EtcdSnapshotPolicy | undefined> {
  return port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, name);
}

export function condition(
  object: EtcdSnapshotPolicy | undefined,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return object?.status?.conditions?.find((c) => c.type === type);
}

/** How many requests the operator's client made that match `filter` (its own request log: both lanes). */
export function operatorRequests(sim: TestSim, filter: RequestFilter): number {
  return sim.operatorRequests.count(filter);
}
