/**
 * One reconcile of an UpgradePlan: read the plan and the caches, resolve the target, run the
 * preflight (once per target, before any node is touched), run one round of the rollout engine,
 * write the status once, record events and metrics. Level-triggered and idempotent: everything
 * it needs is re-read each time, and the state that must survive restarts lives on the Nodes.
 * A plan being deleted winds its rollout down before its finalizer goes (rollout/finalizer.ts).
 */
import { isConditionTrue } from "../../api/condition.ts";
import { durationToMs } from "../../api/duration.ts";
import {
  parseUpgradePlanSpec,
  UpgradePlanConditions,
  upgradePlanResource,
  type UpgradePlan,
  type UpgradePlanSpec,
  type UpgradePlanStatus,
} from "../../api/upgradeplan.ts";
import type { EventRecorder } from "../../observability/events.ts";
import type { Logger } from "../../observability/logger.ts";
import type { OperatorMetrics } from "../../observability/metrics.ts";
import type { RolloutEngine, RolloutResult } from "../../rollout/engine.ts";
import type { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import {
  addReleaseFinalizer,
  FINALIZER_RETRY_MS,
  hasReleaseFinalizer,
  isDeleting,
  removeReleaseFinalizer,
} from "../../rollout/finalizer.ts";
import { currentLockHolder, currentNodes } from "../../rollout/observe.ts";
import { rancherRefusal } from "../../rke2/rancher.ts";
import { isWindowOpen, nextWindowStart } from "../../rollout/window.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileResult } from "../../runtime/controller.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import { rolloutOutlook } from "../rollout-outlook.ts";
import type { BlockerEvaluator } from "../blockers/evaluate.ts";
import { gateEvents, rolloutGates, withGates } from "../gates.ts";
import { writeStatusOrConflict } from "../status.ts";
import { rolloutRequest } from "./desired.ts";
import { nodeEvent, transitionEvents } from "./events.ts";
import { preflightChecks, preflightReason, snapshotCheck, type SnapshotProgress } from "./preflight.ts";
import type { PreUpgradeSnapshots } from "./snapshots.ts";
import { nextStatus, outlookMode, type PreflightOutcome } from "./status.ts";
import type { TargetResolver } from "./target.ts";

export interface UpgradePlanDeps {
  port: KubePort;
  clock: Clock;
  metrics: OperatorMetrics;
  events: EventRecorder;
  /** The plans' cache, seen through this controller's own status writes. */
  plans: StoreWithOwnWrites<UpgradePlan>;
  engine: RolloutEngine;
  targets: TargetResolver;
  snapshots: PreUpgradeSnapshots;
  jobNamespace: string;
  blockers: BlockerEvaluator;
}

const STATES = ["pending", "in-progress", "done", "failed"] as const;

export async function reconcileUpgradePlan(deps: UpgradePlanDeps, key: string, log: Logger): Promise<ReconcileResult> {
  const plan = deps.plans.get(key);
  if (!plan) {
    deps.engine.forget({ kind: upgradePlanResource.kind, name: key });
    deps.blockers.forget(`${upgradePlanResource.kind}/${key}`);
    for (const state of STATES) deps.metrics.upgradeNodes.remove({ plan: key, state });
    return {};
  }
  const releasing = isDeleting(plan);
  if (releasing && !hasReleaseFinalizer(plan)) return {};
  if (!(await addReleaseFinalizer(deps.port, upgradePlanResource, plan))) return { requeueAfterMs: FINALIZER_RETRY_MS };
  // Without a spec or a target no round can run: a deleted plan goes only if it holds nothing
  // (else it stays, its status saying why, until the spec is fixed or the finalizer removed).
  const letGo = async (): Promise<void> => {
    if (releasing && !deps.engine.holdsAnything({ kind: upgradePlanResource.kind, name: plan.metadata.name }))
      await removeReleaseFinalizer(deps.port, upgradePlanResource, plan);
  };
  const generation = plan.metadata.generation ?? 1;
  const previous: UpgradePlanStatus = plan.status ?? {};
  const now = deps.clock.now();
  const parsed = parseUpgradePlanSpec(plan.spec);
  if (!parsed.ok) {
    const status = nextStatus({
      now,
      generation,
      previous,
      invalid: parsed.message,
      target: undefined,
      paused: false,
      windowOpen: true,
      snapshotRequired: false,
      preflight: { state: "deferred" },
      rollout: undefined,
      lastRetry: previous.lastRetry,
    });
    await letGo();
    await finish(deps, plan, status, []);
    return {};
  }
  const spec = parsed.spec;
  // A plan being deleted winds down toward the target it was rolling out, not a channel's newest.
  const resolved =
    releasing && previous.targetVersion
      ? { target: previous.targetVersion, retryInMs: undefined, error: undefined }
      : await deps.targets.resolve(plan, spec);
  const timers: (number | undefined)[] = [resolved.retryInMs];
  const target = resolved.target;
  if (target === undefined) {
    const status = nextStatus({
      now,
      generation,
      previous,
      channelError: resolved.error,
      target,
      paused: spec.paused,
      windowOpen: true,
      snapshotRequired: spec.snapshot.required,
      preflight: { state: "deferred" },
      rollout: undefined,
      lastRetry: previous.lastRetry,
    });
    await letGo();
    await finish(deps, plan, status, []);
    return { requeueAfterMs: resolved.retryInMs };
  }

  const windowOpen = isWindowOpen(spec.window, now);
  const opensAt = !windowOpen && spec.window ? nextWindowStart(spec.window, now) : undefined;
  if (!windowOpen && spec.window) timers.push((opensAt ?? now) - now);
  const canPreflight = !releasing && !spec.paused && windowOpen && resolved.error === undefined;
  const rancher = rancherRefusal(plan, currentNodes(deps.engine.caches));
  const preflight = await runPreflight(deps, plan, spec, target, canPreflight, rancher);
  if (preflight.state === "evaluated" && preflight.snapshot && preflight.snapshot.state !== "Verified") {
    // Otherwise its Job, pod, record or policy changing wakes the plan (index.ts).
    timers.push(preflight.snapshot.state === "Failed" ? preflight.snapshot.retryInMs : preflight.snapshot.recheckInMs);
  }
  const passed = preflight.state === "passedBefore" || (preflight.state === "evaluated" && preflight.passed);
  const mayStart = canPreflight && passed && rancher === undefined;
  const retry = spec.failurePolicy.retry;
  const retryFailed = mayStart && retry !== undefined && retry !== previous.lastRetry;

  // Blockers are read whatever the other gates say (cached): the status shows them before unpausing.
  const blockers = releasing
    ? undefined
    : await deps.blockers.evaluate(`${upgradePlanResource.kind}/${plan.metadata.name}`, spec.blockers ?? []);
  timers.push(blockers?.recheckInMs);
  const tierGates = rolloutGates(
    { ...(spec.approval ? { approval: spec.approval } : {}), tierSoak: spec.healthGate.tierSoak },
    previous.tierSoak,
    blockers?.holding,
  );
  const result = await deps.engine.run(
    rolloutRequest(plan, spec, target, { mayStart, retryFailed, releasing, tierGates }, deps.jobNamespace),
  );
  timers.push(result.requeueAfterMs);
  if (result.released) await removeReleaseFinalizer(deps.port, upgradePlanResource, plan);
  const ungated = nextStatus({
    now,
    generation,
    previous,
    ...(resolved.error !== undefined ? { channelError: resolved.error } : {}),
    target,
    paused: spec.paused,
    windowOpen,
    nextWindowStart: opensAt,
    lockHolder: currentLockHolder(deps.engine.caches),
    snapshotRequired: spec.snapshot.required,
    preflight,
    rollout: result.summary,
    lastRetry: retryFailed ? retry : previous.lastRetry,
  });
  const status = withGates(ungated, result.summary, previous.tierSoak, now, generation);
  Object.assign(status, rolloutOutlook(result.input, outlookMode(spec.paused, releasing, status)));
  await finish(deps, plan, status, result.events.map(nodeEvent));
  observe(deps, plan.metadata.name, result);
  for (const err of result.errors) log.warn({ err }, "rollout step failed; retrying");
  if (result.errors.length > 0) throw result.errors[0];
  const due = timers.filter((ms): ms is number => ms !== undefined && Number.isFinite(ms));
  return due.length > 0 ? { requeueAfterMs: Math.max(0, Math.min(...due)) } : {};
}

async function runPreflight(
  deps: UpgradePlanDeps,
  plan: UpgradePlan,
  spec: UpgradePlanSpec,
  target: string,
  allowed: boolean,
  rancher: string | undefined,
): Promise<PreflightOutcome> {
  const previous = plan.status;
  const passedBefore =
    previous?.targetVersion === target && isConditionTrue(previous.conditions, UpgradePlanConditions.PreflightPassed);
  if (passedBefore && rancher === undefined) return { state: "passedBefore" };
  if (!allowed) return { state: "deferred" };
  const request = rolloutRequest(plan, spec, target, { mayStart: false, retryFailed: false }, deps.jobNamespace);
  const input = await deps.engine.observe(request);
  const checks = preflightChecks({ target, skew: spec.skew, input, rancherRefusal: rancher });
  let snapshot: SnapshotProgress | undefined;
  // The snapshot is the last gate: never taken for a plan the other checks refuse.
  if (checks.every((check) => check.passed) && spec.snapshot.required) {
    const maxAgeMs = spec.snapshot.maxAge === undefined ? undefined : durationToMs(spec.snapshot.maxAge);
    snapshot = await deps.snapshots.ensure({
      policyName: spec.snapshot.policyRef,
      planName: plan.metadata.name,
      planUid: plan.metadata.uid ?? "",
      targetVersion: target,
      ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
    });
  }
  if (checks.every((check) => check.passed)) checks.push(snapshotCheck(spec.snapshot.required, snapshot));
  const passed = checks.every((check) => check.passed);
  return { state: "evaluated", checks, passed, reason: preflightReason(checks, snapshot), snapshot };
}

/** Events recorded at once: a round that finishes and starts a hundred nodes must not queue them. */
const EVENT_CONCURRENCY = 16;

async function finish(
  deps: UpgradePlanDeps,
  plan: UpgradePlan,
  status: UpgradePlanStatus,
  nodeEvents: { type: "Normal" | "Warning"; reason: string; message: string }[],
): Promise<void> {
  // A stale status is not written (nor its transitions told); the node actions still are.
  const conflict = await writeStatusOrConflict(deps.port, upgradePlanResource, plan, status, deps.plans);
  const transitions = conflict
    ? []
    : [...transitionEvents(plan.status ?? {}, status), ...gateEvents(plan.status?.conditions, status.conditions)];
  const pending = [...nodeEvents, ...transitions];
  const workers = Array.from({ length: Math.min(EVENT_CONCURRENCY, pending.length) }, async () => {
    for (let event = pending.shift(); event; event = pending.shift())
      await deps.events.record(plan, event.type, event.reason, event.message);
  });
  await Promise.all(workers);
  if (conflict) throw conflict;
}

function observe(deps: UpgradePlanDeps, plan: string, result: RolloutResult): void {
  const { counts } = result.summary;
  const values: Record<(typeof STATES)[number], number> = {
    pending: counts.pending,
    "in-progress": counts.inProgress,
    done: counts.done,
    failed: counts.failed,
  };
  for (const state of STATES) deps.metrics.upgradeNodes.set({ plan, state }, values[state]);
  for (const finished of result.finished) {
    if (finished.durationMs !== undefined)
      deps.metrics.upgradeNodeDuration.observe({ plan, tier: finished.tier }, finished.durationMs / 1000);
  }
  deps.metrics.disruptionLockHeld.set(currentLockHolder(deps.engine.caches) === undefined ? 0 : 1);
}
