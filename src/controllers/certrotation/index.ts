/**
 * Wiring of the CertRotation controller: its informer, the certificate inventory (the per-node
 * Leases the DaemonSet writes in the jobs namespace), the rollout engine's shared caches, and the
 * keys their changes enqueue. There are few CertRotations, so a Node, mirror pod, Lease or
 * inventory change wakes all of them; a Job wakes its owner.
 */
import { certRotationResource, type CertRotation } from "../../api/certrotation.ts";
import { INVENTORY_LABEL_SELECTOR } from "../../certs/inventory-lease.ts";
import { OWNER_KIND_LABEL, OWNER_LABEL } from "../../nodeops/job.ts";
import { createEventRecorder, type EventRecorder } from "../../observability/events.ts";
import { reconcileObserver } from "../../observability/metrics.ts";
import type { ControllerModule } from "../../runtime/controller-module.ts";
import { RolloutEngine } from "../../rollout/engine.ts";
import { StoreWithOwnWrites } from "../../rollout/fresh.ts";
import { Controller } from "../../runtime/controller.ts";
import { enqueueOnChange, Informer, onlyResourceVersionChanged } from "../../runtime/informer.ts";
import { LEASE_RESOURCE, type Lease } from "../../runtime/lease.ts";
import { BlockerEvaluator } from "../blockers/evaluate.ts";
import { DISRUPTING_KINDS, type OperatorContext } from "../context.ts";
import { expiringGauge, expirySamples } from "./metrics.ts";
import { cachedInventoryLease, inventoryByNode } from "./observe.ts";
import { reconcileCertRotation } from "./reconciler.ts";

export const CONTROLLER_NAME = "certrotation";

export interface CertRotationOptions {
  events?: EventRecorder;
  /** How long one evaluation of a CertRotation's blockers serves. Default 15 s. */
  blockerTtlMs?: number;
}

export function createCertRotationController(
  context: OperatorContext,
  options: CertRotationOptions = {},
): ControllerModule {
  const { port, clock, log, config, metrics } = context;
  const logger = log.child({ controller: CONTROLLER_NAME });
  const certRotations = new Informer<CertRotation>({ port, type: certRotationResource, clock, logger });
  const inventory = new Informer<Lease>({
    port,
    type: LEASE_RESOURCE,
    namespace: config.jobsNamespace,
    labelSelector: INVENTORY_LABEL_SELECTOR,
    transform: cachedInventoryLease,
    clock,
    logger,
  });
  const caches = context.rolloutCaches();
  const engine = new RolloutEngine({ port, clock, log: logger, caches, lockHolderKinds: DISRUPTING_KINDS });
  const deps = {
    port,
    clock,
    metrics,
    events: options.events ?? createEventRecorder({ port, clock, log: logger }),
    certRotations: new StoreWithOwnWrites(certRotations, clock),
    inventory: inventory.cache,
    engine,
    jobNamespace: config.jobsNamespace,
    image: config.nodeAgentImage,
    rke2DataDir: config.rke2DataDir,
    expiring: expiringGauge(metrics.registry),
    blockers: new BlockerEvaluator({
      port,
      clock,
      secretNamespace: config.namespace,
      ...(options.blockerTtlMs !== undefined ? { ttlMs: options.blockerTtlMs } : {}),
    }),
  };
  const controller = new Controller({
    name: CONTROLLER_NAME,
    clock,
    logger: log, // the Controller adds its own `controller` binding
    concurrency: config.workers,
    observer: reconcileObserver(metrics),
    reconcile: (key, { log: keyLog }) => reconcileCertRotation(deps, key, keyLog),
  });

  // A projection of the inventory cache into metrics (not a decision), read at each scrape: the
  // metric exists for every reporting node, with or without a CertRotation.
  metrics.certificateExpiry.readFrom(() =>
    expirySamples(
      inventoryByNode(inventory.cache.list()).values(),
      (name) => caches.nodes.cache.get(name) !== undefined,
    ),
  );

  const all = (): string[] => certRotations.cache.keys();
  certRotations.addHandler(enqueueOnChange(controller.queue));
  inventory.addHandler(enqueueOnChange(controller.queue, all));
  caches.jobs.addHandler(
    enqueueOnChange(controller.queue, (job) =>
      job.metadata.labels?.[OWNER_KIND_LABEL] === CONTROLLER_NAME ? job.metadata.labels[OWNER_LABEL] : undefined,
    ),
  );
  caches.nodes.addHandler(enqueueOnChange(controller.queue, all, { skipUpdate: onlyResourceVersionChanged }));
  caches.mirrorPods.addHandler(enqueueOnChange(controller.queue, all, { skipUpdate: onlyResourceVersionChanged }));
  caches.lease.addHandler(enqueueOnChange(controller.queue, all));

  return { name: CONTROLLER_NAME, informers: [certRotations, inventory, ...caches.informers], controller };
}
