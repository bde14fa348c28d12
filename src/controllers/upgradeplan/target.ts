/**
 * The plan's target version: `spec.version`, or `spec.channel` resolved once per generation of the
 * plan into `status.targetVersion` (a spec change resolves again; a failed resolution is retried
 * with backoff and shows as Ready=False, reason ChannelUnresolved).
 */
import { findCondition } from "../../api/condition.ts";
import {
  UpgradePlanConditions,
  UpgradePlanReasons,
  type UpgradePlan,
  type UpgradePlanSpec,
} from "../../api/upgradeplan.ts";
import { Backoff, type BackoffPolicy } from "../../runtime/backoff.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ChannelResolver } from "./channel.ts";

export const CHANNEL_RETRY_BACKOFF: BackoffPolicy = {
  initialMs: 5_000,
  maxMs: 300_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 3_600_000,
};

export type ResolvedTarget =
  | { target: string; error?: undefined; retryInMs?: undefined }
  /** `target` is the last resolved one (nodes in progress finish on it), if any. */
  | { target: string | undefined; error: string; retryInMs: number };

/** Whether the channel must be asked (again) for this generation. Pure. */
export function needsResolution(plan: UpgradePlan, memo: { generation: number } | undefined): boolean {
  const generation = plan.metadata.generation ?? 1;
  if (memo?.generation === generation) return false;
  const status = plan.status;
  if (status?.targetVersion === undefined || status.observedGeneration !== generation) return true;
  return findCondition(status.conditions, UpgradePlanConditions.Ready)?.reason === UpgradePlanReasons.ChannelUnresolved;
}

/** In-memory state per plan: the last resolution, and the retry backoff. */
export class TargetResolver {
  private readonly resolver: ChannelResolver;
  private readonly clock: Clock;
  private readonly memo = new Map<string, { generation: number; version: string }>();
  private readonly backoffs = new Map<string, Backoff>();

  constructor(resolver: ChannelResolver, clock: Clock) {
    this.resolver = resolver;
    this.clock = clock;
  }

  async resolve(plan: UpgradePlan, spec: UpgradePlanSpec): Promise<ResolvedTarget> {
    if (spec.version !== undefined) return { target: spec.version };
    const channel = spec.channel ?? "";
    const uid = plan.metadata.uid ?? plan.metadata.name;
    const generation = plan.metadata.generation ?? 1;
    const memo = this.memo.get(uid);
    if (memo?.generation === generation) return { target: memo.version };
    const recorded = plan.status?.targetVersion;
    if (recorded !== undefined && !needsResolution(plan, undefined)) return { target: recorded };
    try {
      const version = await this.resolver.resolve(channel);
      this.memo.set(uid, { generation, version });
      this.backoffs.get(uid)?.reset();
      return { target: version };
    } catch (err) {
      let backoff = this.backoffs.get(uid);
      if (!backoff) {
        backoff = new Backoff(this.clock, CHANNEL_RETRY_BACKOFF);
        this.backoffs.set(uid, backoff);
      }
      const message = err instanceof Error ? err.message : String(err);
      return { target: memo?.version ?? recorded, error: message, retryInMs: backoff.next() };
    }
  }

  forget(uid: string): void {
    this.memo.delete(uid);
    this.backoffs.delete(uid);
  }
}
