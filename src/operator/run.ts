import { hostname } from "node:os";
import type { OperatorConfig } from "../config.ts";
import { termContext, type ControllerFactory, type OperatorContext } from "../controllers/context.ts";
import { CONTROLLER_FACTORIES } from "../controllers/index.ts";
import type { Logger } from "../observability/logger.ts";
import { apiRequestObserver, createMetrics, type OperatorMetrics } from "../observability/metrics.ts";
import { startHealthServer, type HealthServer } from "../observability/server.ts";
import { systemClock, type Clock } from "../runtime/clock.ts";
import { createKubePort } from "../runtime/kube/adapter.ts";
import { loadKubeConnection } from "../runtime/kube/kubeconfig.ts";
import { fencedPort, WritesInFlight, type WriteFence } from "../runtime/kube/fenced-port.ts";
import { FIELD_MANAGER, type KubePort } from "../runtime/kube/port.ts";
import { LeaderElector } from "../runtime/leader-election.ts";
import { certRotationResource } from "../api/certrotation.ts";
import { etcdSnapshotPolicyResource } from "../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../api/upgradeplan.ts";
import { conditionMetricsHandler } from "../observability/condition-metrics.ts";
import { Informer } from "../runtime/informer.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import type { ManagedInformer } from "../runtime/controller-module.ts";
import { ControllerManager } from "./manager.ts";

/** One informer per kind that exports its conditions as metrics (the shipped alerts read them). */
function conditionMetricInformers(context: OperatorContext): ManagedInformer[] {
  return [etcdSnapshotPolicyResource, upgradePlanResource, certRotationResource].map((type) => {
    const informer = new Informer<KubeObject>({ port: context.port, type, clock: context.clock, logger: context.log });
    informer.addHandler(conditionMetricsHandler(context.metrics, type.kind));
    return informer;
  });
}

export interface OperatorDependencies {
  log: Logger;
  clock?: Clock;
  /** Defaults to a port over the kubeconfig the config names. */
  port?: KubePort;
  metrics?: OperatorMetrics;
  factories?: readonly ControllerFactory[];
  /** Unique per replica; the pod name (HOSTNAME) by default. */
  identity?: string;
  /** Bind address of the health server; all interfaces by default. */
  host?: string;
}

export interface RunningOperator {
  /** The bound port of /healthz, /readyz and /metrics. */
  port: number;
  isLeader(): boolean;
  readiness(): { ready: boolean; reason?: string };
  /**
   * Settles when the operator stops acting: "stopped" after stop(), "lost-lease" when leadership
   * ended on its own (the caller should exit so the replica restarts and campaigns afresh).
   */
  finished: Promise<"stopped" | "lost-lease">;
  /** Writes sent while leading that have no answer yet ("PATCH /path"); empty without leader election. */
  writesInFlight(): string[];
  /** Stops taking work, lets in-flight reconciles finish, releases the lease, closes the server. */
  stop(): Promise<void>;
}

/**
 * The `operator` subcommand: health server first (so probes answer while we campaign), then
 * leader election; only the leader starts informers and controllers. Readiness is true for a
 * standby that is campaigning and for a leader whose caches have synced: tying readiness to
 * leadership alone would stall every rolling update of a 2-replica Deployment (docs/decisions/readiness.md).
 */
export async function runOperator(config: OperatorConfig, deps: OperatorDependencies): Promise<RunningOperator> {
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const metrics = deps.metrics ?? createMetrics();
  const identity = deps.identity ?? process.env.HOSTNAME ?? hostname();
  // The elector is the fence of every other write; it is only created with leader election on.
  let elector: LeaderElector | undefined;
  const fence: WriteFence = { refusal: () => (elector ? elector.refusal() : "not leading") };
  const writesInFlight = new WritesInFlight(fence, (write, code) => {
    log.warn({ write, code }, "a write sent while leading was answered after leadership ended");
  });
  // Distinct per replica in the API server's audit log; the field manager stays the product name.
  // Lease writes go unfenced (a candidate must be able to acquire); everything else is fenced.
  const ports = async (): Promise<{ electionPort: KubePort; basePort: KubePort }> => {
    if (deps.port) return { electionPort: deps.port, basePort: deps.port };
    const connection = await loadKubeConnection({ kubeconfigPath: config.kubeconfig, inCluster: config.inCluster });
    const options = { clock, onRequest: apiRequestObserver(metrics), userAgent: `${FIELD_MANAGER}/${identity}` };
    const fenced = config.leaderElect ? { ...options, fence, writesInFlight } : options;
    return { electionPort: createKubePort(connection, options), basePort: createKubePort(connection, fenced) };
  };
  const { electionPort, basePort } = await ports();
  const port = config.leaderElect ? fencedPort(basePort, fence) : basePort;
  const base = { port, clock, log, metrics, config };
  const factories = deps.factories ?? CONTROLLER_FACTORIES;
  let manager: ControllerManager | undefined;
  let campaigning = false;
  let stopRequested = false;

  const lead = (signal: AbortSignal): void => {
    metrics.leader.set(1);
    const context = termContext(base);
    const current = new ControllerManager(
      factories.map((factory) => factory(context)),
      log,
      factories.length > 0 ? conditionMetricInformers(context) : [],
    );
    manager = current;
    if (factories.length === 0) log.warn("no controllers registered; the operator only holds the lease");
    current.start().catch((err: unknown) => {
      log.error({ err }, "controllers failed to start");
    });
    signal.addEventListener(
      "abort",
      () => {
        metrics.leader.set(0);
      },
      { once: true },
    );
  };
  // A requested stop lets in-flight reconciles finish; a lost leadership aborts them (their
  // writes are refused by the fence anyway) so the process can exit at once.
  const stopLeading = async (): Promise<void> => {
    metrics.leader.set(0);
    await manager?.stop({ drain: stopRequested });
    manager = undefined;
  };

  const readiness = (): { ready: boolean; reason?: string } => {
    if (manager) {
      return manager.isReady()
        ? { ready: true }
        : { ready: false, reason: `caches not synced: ${manager.waitingFor().join(", ")}` };
    }
    return campaigning ? { ready: true } : { ready: false, reason: "starting" };
  };

  const server: HealthServer = await startHealthServer({
    port: config.listenPort,
    host: deps.host,
    registry: metrics.registry,
    readiness,
    log,
  });

  let electorDone: Promise<void> = new Promise(() => undefined);
  if (config.leaderElect) {
    elector = new LeaderElector({
      port: electionPort,
      clock,
      logger: log,
      namespace: config.namespace,
      leaseName: config.leaseName,
      identity,
      leaseDurationMs: config.leaseDurationSeconds * 1000,
      renewDeadlineMs: config.renewDeadlineSeconds * 1000,
      retryPeriodMs: config.retryPeriodSeconds * 1000,
      onStartedLeading: lead,
      onStoppedLeading: stopLeading,
    });
    campaigning = true;
    electorDone = elector.start();
  } else {
    log.warn("leader election is off: run exactly one replica");
    campaigning = true;
    lead(new AbortController().signal);
  }

  const stopped = Promise.withResolvers<undefined>();
  const finished: Promise<"stopped" | "lost-lease"> = Promise.race([
    electorDone.then(() => (stopRequested ? "stopped" : "lost-lease")),
    stopped.promise.then(() => "stopped" as const),
  ]);

  return {
    port: server.port,
    finished,
    isLeader: () => (elector ? elector.isLeader() : true),
    readiness,
    writesInFlight: () => writesInFlight.unanswered(),
    async stop() {
      stopRequested = true;
      campaigning = false;
      if (elector) {
        await elector.stop();
        await electorDone;
      } else {
        await stopLeading();
      }
      await server.close();
      stopped.resolve(undefined);
    },
  };
}
