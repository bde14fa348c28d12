/**
 * The cluster-wide disruption lock: a coordination.k8s.io Lease in the operator's namespace whose
 * holder is `<Kind>/<name>` of the custom resource disrupting nodes. An UpgradePlan and a
 * CertRotation (or two plans) never have nodes out of service at the same time.
 *
 * It does not expire by time: a drain may rightly take many minutes, and a holder that stops
 * renewing is still disrupting nodes. A hold is void only when the holder's object is gone
 * (deleted mid-rollout); anyone may then take the Lease over. Writes are optimistic (replace with
 * resourceVersion), so of two contenders only one wins.
 */
import type { Clock } from "../runtime/clock.ts";
import { isAlreadyExists, isConflict, isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { ResourceType } from "../runtime/kube/types.ts";
import { LEASE_RESOURCE, microTime, type Lease } from "../runtime/lease.ts";

export const DISRUPTION_LOCK_NAME = "rke2-lifecycle-disruption";

export function lockHolder(lease: Lease | undefined): string | undefined {
  const holder = lease?.spec?.holderIdentity;
  return holder === undefined || holder === "" ? undefined : holder;
}

export type LockOutcome = { held: boolean; lease: Lease | undefined };

export class DisruptionLock {
  readonly namespace: string;
  readonly name: string;
  private readonly port: KubePort;
  private readonly clock: Clock;
  /** Kinds that may hold the lock, by kind name: to check whether a holder still exists. */
  private readonly holderKinds: ReadonlyMap<string, ResourceType>;

  constructor(options: {
    port: KubePort;
    clock: Clock;
    namespace: string;
    name?: string;
    holderKinds: readonly ResourceType[];
  }) {
    this.port = options.port;
    this.clock = options.clock;
    this.holderKinds = new Map(options.holderKinds.map((type) => [type.kind, type]));
    this.namespace = options.namespace;
    this.name = options.name ?? DISRUPTION_LOCK_NAME;
  }

  /** Whether the holder's object was deleted (an unknown kind is assumed to exist). */
  async holderGone(holder: string): Promise<boolean> {
    const slash = holder.indexOf("/");
    const type = this.holderKinds.get(holder.slice(0, slash));
    if (slash < 0 || type === undefined) return false;
    try {
      return (await this.port.get(type, holder.slice(slash + 1))) === undefined;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  }

  /** Takes the lock for `owner` unless someone else holds it; a lost race answers `held: false`. */
  async acquire(owner: string, current: Lease | undefined, holderGone: boolean): Promise<LockOutcome> {
    const holder = lockHolder(current);
    if (holder === owner) return { held: true, lease: current };
    if (holder !== undefined && !holderGone) return { held: false, lease: current };
    const now = microTime(this.clock.now());
    try {
      if (current === undefined) {
        const created = await this.port.create<Lease>(LEASE_RESOURCE, {
          apiVersion: "coordination.k8s.io/v1",
          kind: "Lease",
          metadata: { name: this.name, namespace: this.namespace },
          spec: { holderIdentity: owner, acquireTime: now, renewTime: now, leaseTransitions: 0 },
        });
        return { held: true, lease: created };
      }
      const spec = current.spec ?? {};
      const replaced = await this.port.replace<Lease>(LEASE_RESOURCE, {
        ...current,
        spec: {
          ...spec,
          holderIdentity: owner,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
        },
      });
      return { held: true, lease: replaced };
    } catch (err) {
      if (isAlreadyExists(err) || isConflict(err)) return { held: false, lease: current };
      throw err;
    }
  }

  /** Gives the lock up if `owner` holds it. */
  async release(owner: string, current: Lease | undefined): Promise<LockOutcome> {
    if (current === undefined || lockHolder(current) !== owner) return { held: false, lease: current };
    const { holderIdentity: _holder, ...rest } = current.spec ?? {};
    try {
      const replaced = await this.port.replace<Lease>(LEASE_RESOURCE, {
        ...current,
        spec: { ...rest, renewTime: microTime(this.clock.now()) },
      });
      return { held: false, lease: replaced };
    } catch (err) {
      if (isNotFound(err)) return { held: false, lease: undefined };
      // Someone changed it meanwhile: the next round sees the new state and decides again.
      if (isConflict(err)) return { held: true, lease: current };
      throw err;
    }
  }
}
