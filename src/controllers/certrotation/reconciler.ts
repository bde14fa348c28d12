/**
 * One reconcile of a CertRotation: read the CertRotation, the inventory and the rollout caches,
 * assess the certificates, decide the round (pure), hand finished-but-unconfirmed or due-again
 * nodes back to the engine, run one engine round when there is work, write the status once,
 * record events and metrics. Level-triggered and idempotent; what must survive a restart lives on
 * the Nodes (claims, completion labels) and on the rotation Jobs (what they were to renew).
 */
import {
  certRotationResource,
  parseCertRotationSpec,
  type CertRotation,
  type CertRotationPhase,
  type CertRotationSpec,
} from "../../api/certrotation.ts";
import { durationToMs } from "../../api/duration.ts";
import type { EventRecorder } from "../../observability/events.ts";
import type { Logger } from "../../observability/logger.ts";
import type { OperatorMetrics } from "../../observability/metrics.ts";
import { ownerId } from "../../rollout/claim.ts";
import type { RolloutEngine, RolloutResult } from "../../rollout/engine.ts";
import type { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import { rancherRefusal } from "../../rke2/rancher.ts";
import { dataDirMismatches, dataDirMismatchMessage, RKE2_DEFAULT_DATA_DIR } from "../../rke2/data-dir.ts";
import {
  addReleaseFinalizer,
  FINALIZER_RETRY_MS,
  hasReleaseFinalizer,
  isDeleting,
  removeReleaseFinalizer,
} from "../../rollout/finalizer.ts";
import { JOBS_BY_OWNER_NODE, jobIndexKey } from "../../rollout/informers.ts";
import { NODE_RESOURCE, type NodeObject } from "../../rollout/kube-objects.ts";
import { currentLockHolder, currentNodes } from "../../rollout/observe.ts";
import { dropCompletion, reopenAsFailedAttempt } from "../../rollout/reopen.ts";
import { isWindowOpen, nextWindowStart } from "../../rollout/window.ts";
import { rolesFromLabels, tierOf } from "../../rke2/roles.ts";
import type { Clock } from "../../runtime/clock.ts";
import type { ReconcileResult } from "../../runtime/controller.ts";
import { isConflict } from "../../runtime/kube/errors.ts";
import type { KubePort } from "../../runtime/kube/port.ts";
import type { Lease } from "../../runtime/lease.ts";
import type { ReadonlyStore } from "../../runtime/store.ts";
import { rolloutOutlook, type OutlookMode } from "../rollout-outlook.ts";
import type { BlockerEvaluator } from "../blockers/evaluate.ts";
import { gateEvents, rolloutGates, withGates } from "../gates.ts";
import { writeStatusOrConflict } from "../status.ts";
import { assessCluster, assessNode, type NodeAssessment, type Thresholds } from "./assess.ts";
import { decideRound, type RoundPlan } from "./decide.ts";
import { completionLabel, healthTimeoutMs, MAX_ATTEMPTS_PER_NODE, rolloutRequest, rotatedServices } from "./desired.ts";
import { nodeEvent, transitionEvents, verificationEvents, type CertEvent } from "./events.ts";
import { SEVERITIES, type expiringGauge } from "./metrics.ts";
import { inventoryByNode, latestRotation, observeCertNodes } from "./observe.ts";
import { nextStatus } from "./status.ts";
import { beforeRotation } from "./verify.ts";

export interface CertRotationDeps {
  port: KubePort;
  clock: Clock;
  metrics: OperatorMetrics;
  events: EventRecorder;
  /** The CertRotations' cache, seen through this controller's own status writes. */
  certRotations: StoreWithOwnWrites<CertRotation>;
  inventory: ReadonlyStore<Lease>;
  engine: RolloutEngine;
  jobNamespace: string;
  image: string;
  /** RKE2's data dir the inventory reads (--rke2-data-dir); default RKE2's. */
  rke2DataDir?: string;
  expiring: ReturnType<typeof expiringGauge>;
  blockers: BlockerEvaluator;
}

function thresholdsOf(spec: CertRotationSpec): Thresholds {
  return {
    renewBeforeMs: durationToMs(spec.renewBefore) ?? 0,
    warnBeforeMs: durationToMs(spec.warnBefore) ?? 0,
    criticalBeforeMs: durationToMs(spec.criticalBefore) ?? 0,
  };
}

export async function reconcileCertRotation(
  deps: CertRotationDeps,
  key: string,
  log: Logger,
): Promise<ReconcileResult> {
  const caches = deps.engine.caches;
  const nodes = currentNodes(caches);
  const inventory = inventoryByNode(deps.inventory.list());
  const cr = deps.certRotations.get(key);
  if (!cr) {
    deps.engine.forget({ kind: certRotationResource.kind, name: key });
    deps.blockers.forget(ownerId(certRotationResource.kind, key));
    for (const severity of SEVERITIES) deps.expiring.remove({ certrotation: key, severity });
    return {};
  }
  // Being deleted: wind the rotation down before the finalizer goes (rollout/finalizer.ts).
  const releasing = isDeleting(cr);
  if (releasing && !hasReleaseFinalizer(cr)) return {};
  if (!(await addReleaseFinalizer(deps.port, certRotationResource, cr))) return { requeueAfterMs: FINALIZER_RETRY_MS };
  const nowMs = deps.clock.now();
  const generation = cr.metadata.generation ?? 1;
  const previous = cr.status ?? {};
  const parsed = parseCertRotationSpec(cr.spec ?? {});
  if (!parsed.ok) {
    // Without a spec no round can run: a deleted CertRotation goes only if it holds nothing.
    if (releasing && !deps.engine.holdsAnything({ kind: certRotationResource.kind, name: cr.metadata.name }))
      await removeReleaseFinalizer(deps.port, certRotationResource, cr);
    await finish(deps, cr, nextStatus({ nowMs, generation, previous, invalid: parsed.message }), []);
    return {};
  }
  const spec = parsed.spec;
  const thresholds = thresholdsOf(spec);
  const label = completionLabel(cr);
  const owner = ownerId(certRotationResource.kind, cr.metadata.name);
  // A node running RKE2 with another data dir than the inventory reads is never rotated blind.
  const configuredDataDir = deps.rke2DataDir ?? RKE2_DEFAULT_DATA_DIR;
  const mismatches = dataDirMismatches(nodes, configuredDataDir);
  const refused = new Set(mismatches.map((m) => m.node));
  const observed = observeCertNodes(nodes, spec.nodeSelector, label).map((node) =>
    refused.has(node.name) ? { ...node, selected: false } : node,
  );
  const assessments = new Map<string, NodeAssessment>();
  nodes.forEach((node, index) => {
    // observeCertNodes keeps the order of `nodes`.
    if (!observed[index]?.selected) return;
    const ref = { name: node.metadata.name, tier: tierOf(rolesFromLabels(node.metadata.labels)) };
    assessments.set(ref.name, assessNode(ref, inventory.get(ref.name), thresholds, nowMs));
  });
  const cluster = assessCluster([...assessments.values()], thresholds, nowMs);
  const windowOpen = isWindowOpen(spec.window, nowMs);
  const opensAt = !windowOpen && spec.window ? nextWindowStart(spec.window, nowMs) : undefined;
  const services = rotatedServices(spec);
  const plan = decideRound({
    nowMs,
    owner,
    completionLabel: label,
    trigger: spec.trigger,
    lastTrigger: previous.lastTrigger,
    paused: spec.paused || releasing,
    rancherRefusal: rancherRefusal(cr, nodes),
    windowOpen,
    services,
    renewBeforeMs: thresholds.renewBeforeMs,
    verifyTimeoutMs: healthTimeoutMs(spec),
    maxAttempts: MAX_ATTEMPTS_PER_NODE,
    lockHeldByUs: currentLockHolder(caches) === owner,
    nodes: observed,
    assessments,
    inventories: inventory,
    rotationOf: (node, hash) =>
      latestRotation(
        cr.metadata.name,
        node,
        hash,
        caches.jobs.cache.byIndex(
          JOBS_BY_OWNER_NODE,
          jobIndexKey("cert-rotate", certRotationResource.kind, cr.metadata.name, node),
        ),
        MAX_ATTEMPTS_PER_NODE,
      ),
  });

  const errors = releasing ? [] : await handBack(deps, plan, label);
  let result: RolloutResult | undefined;
  let blockerRecheckMs: number | undefined;
  if (plan.runEngine || releasing) {
    const blockers = releasing ? undefined : await deps.blockers.evaluate(owner, spec.blockers ?? []);
    blockerRecheckMs = blockers?.recheckInMs;
    const gates = rolloutGates(
      { ...(spec.approval ? { approval: spec.approval } : {}), tierSoak: spec.healthGate.tierSoak },
      previous.tierSoak,
      blockers?.holding,
    );
    const dataDir = configuredDataDir === RKE2_DEFAULT_DATA_DIR ? undefined : configuredDataDir;
    const ctx = { cr, spec, namespace: deps.jobNamespace, image: deps.image, dataDir };
    result = await deps.engine.run(
      rolloutRequest({
        ctx,
        target: plan.target,
        mayStart: plan.mayStart,
        releasing,
        isSatisfied: (node) => plan.satisfied.has(node.metadata.name),
        excludedNodes: refused,
        beforeOf: (node) => beforeRotation(assessments.get(node)?.certificates ?? [], services),
        gates,
      }),
    );
    errors.push(...result.errors);
    if (result.released) await removeReleaseFinalizer(deps.port, certRotationResource, cr);
  }
  const checkIntervalMs = durationToMs(spec.checkInterval) ?? 0;
  const ungated = nextStatus({
    nowMs,
    generation,
    previous,
    checkIntervalMs,
    thresholds: { warnBefore: spec.warnBefore, criticalBefore: spec.criticalBefore },
    trigger: spec.trigger,
    assessment: cluster,
    plan,
    rollout: result?.summary,
    justRotated: result?.finished.filter((f) => f.durationMs !== undefined).map((f) => f.node) ?? [],
    dataDirProblem: dataDirMismatchMessage(mismatches, configuredDataDir),
    nextWindowStartMs: opensAt,
  });
  const status = withGates(ungated, result?.summary, previous.tierSoak, nowMs, generation);
  Object.assign(status, rolloutOutlook(result?.input, outlookMode(releasing, status.phase, windowOpen)));
  // Metrics first: whoever sees the new status finds them already in step.
  deps.expiring.set({ certrotation: cr.metadata.name, severity: "warning" }, cluster.warningCount);
  deps.expiring.set({ certrotation: cr.metadata.name, severity: "critical" }, cluster.criticalCount);
  deps.metrics.disruptionLockHeld.set(currentLockHolder(caches) === undefined ? 0 : 1);
  await finish(deps, cr, status, [...(result?.events.map(nodeEvent) ?? []), ...verificationEvents(previous, plan)]);
  for (const err of errors) log.warn({ err }, "certificate rotation step failed; retrying");
  if (errors.length > 0) throw errors[0];

  const timers = [
    result?.requeueAfterMs,
    blockerRecheckMs,
    cluster.nextCrossingMs === undefined ? undefined : cluster.nextCrossingMs - nowMs,
    Date.parse(status.nextCheckTime ?? "") - nowMs,
    ...[...plan.checked.values()].map((check) =>
      check.verification.state === "pending" ? check.verification.recheckInMs : undefined,
    ),
    !windowOpen && spec.window ? (opensAt ?? nowMs) - nowMs : undefined,
  ].filter((ms): ms is number => ms !== undefined && Number.isFinite(ms));
  return timers.length > 0 ? { requeueAfterMs: Math.max(0, Math.min(...timers)) } : {};
}

/** The preview while the rotation waits (paused, window closed), the ETA while it rotates. */
function outlookMode(releasing: boolean, phase: CertRotationPhase | undefined, windowOpen: boolean): OutlookMode {
  if (releasing) return "none";
  if (phase === "Paused" || (phase === "Waiting" && !windowOpen)) return "preview";
  return phase === "Rotating" ? "eta" : "none";
}

/** Finished nodes the inventory contradicts go back to the engine; a conflict just retries. */
async function handBack(deps: CertRotationDeps, plan: RoundPlan, label: string): Promise<unknown[]> {
  const errors: unknown[] = [];
  const writes = [
    ...plan.reopen.map(({ node, input }) => ({ node, patch: reopenAsFailedAttempt(input) })),
    ...plan.dueAgain.map(({ node, resourceVersion }) => ({ node, patch: dropCompletion(label, resourceVersion) })),
  ];
  for (const { node, patch } of writes) {
    try {
      deps.engine.caches.nodeWrites.record(await deps.port.mergePatch<NodeObject>(NODE_RESOURCE, node, patch));
    } catch (err) {
      errors.push(
        isConflict(err) ? new Error(`node ${node} changed while it was handed back; retrying`, { cause: err }) : err,
      );
    }
  }
  return errors;
}

async function finish(
  deps: CertRotationDeps,
  cr: CertRotation,
  status: NonNullable<CertRotation["status"]>,
  extra: CertEvent[],
): Promise<void> {
  // A stale status is not written (nor its transitions told); the node actions still are.
  const conflict = await writeStatusOrConflict(deps.port, certRotationResource, cr, status, deps.certRotations);
  const transitions = conflict
    ? []
    : [...transitionEvents(cr.status ?? {}, status), ...gateEvents(cr.status?.conditions, status.conditions)];
  const events = [...extra, ...transitions];
  for (const event of events) await deps.events.record(cr, event.type, event.reason, event.message);
  if (conflict) throw conflict;
}
