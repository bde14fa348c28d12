import { certRotationResource, type CertRotation } from "../api/certrotation.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../api/upgradeplan.ts";
import { flagUsage, parseFlags, parseOperatorConfig, type Env } from "../config.ts";
import { DEMO_PLAN, DEMO_POLICY, DEMO_ROTATION, DEMO_TARGET_VERSION, demoManifests } from "../demo/manifests.ts";
import { changedLines, demoView, recordRollout, type DemoObservation, type RolloutRecord } from "../demo/view.ts";
import { jobOutcome, JOB_RESOURCE, type Job } from "../nodeops/job.ts";
import { createLogger } from "../observability/logger.ts";
import { runOperator } from "../operator/run.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import { rolesFromLabels } from "../rke2/roles.ts";
import { NODES, type Node } from "../sim/cluster/kinds.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";
import { SIM_FLAGS, startSimFromSettings, untilInterrupted } from "./sim.ts";

const DEMO_FLAGS = {
  ...SIM_FLAGS,
  timeout: {
    type: "integer",
    min: 5,
    max: 3600,
    default: 120,
    description: "seconds to wait for the upgrade before giving up",
  },
  keep: {
    type: "boolean",
    default: false,
    description: "keep the cluster and the operator running after the story ends (Ctrl-C stops)",
  },
} as const;

export const DEMO_HELP = `Usage: ${PROGRAM} demo [flags]

The whole story on a simulated 7-node RKE2 cluster (no real cluster, no containers: see '${PROGRAM} sim'):
starts the cluster and the operator, applies an EtcdSnapshotPolicy, an UpgradePlan to ${DEMO_TARGET_VERSION}
and a CertRotation, and prints each transition until the upgrade is done. kubectl works against it
meanwhile through the printed kubeconfig.

Flags:
${flagUsage(DEMO_FLAGS, null)}
`;

async function getOrUndefined<T extends KubeObject>(
  port: KubePort,
  type: ResourceType,
  name: string,
): Promise<T | undefined> {
  return port.get<T>(type, name);
}

async function observe(port: KubePort, jobsNamespace: string): Promise<DemoObservation> {
  const [nodes, plan, policy, rotation, jobs] = await Promise.all([
    port.list<Node>(NODES),
    getOrUndefined<UpgradePlan>(port, upgradePlanResource, DEMO_PLAN),
    getOrUndefined<EtcdSnapshotPolicy>(port, etcdSnapshotPolicyResource, DEMO_POLICY),
    getOrUndefined<CertRotation>(port, certRotationResource, DEMO_ROTATION),
    port.list<Job>(JOB_RESOURCE, { namespace: jobsNamespace }),
  ]);
  return {
    nodes: nodes.items.map((node) => ({
      name: node.metadata.name,
      roles: roleNames(node.metadata.labels),
      version: node.status?.nodeInfo?.kubeletVersion ?? "?",
      ready: node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false,
      cordoned: node.spec.unschedulable === true,
    })),
    plan,
    policy,
    rotation,
    jobs: jobs.items.map((job) => ({ name: job.metadata.name, state: jobOutcome(job, []).state })),
  };
}

function roleNames(labels: Record<string, string> | undefined): string {
  const roles = rolesFromLabels(labels);
  const names = [roles.etcd ? "etcd" : "", roles.controlPlane ? "cp" : ""].filter((name) => name !== "");
  return names.length > 0 ? names.join("+") : "worker";
}

function upgradeDone(observed: DemoObservation): boolean {
  return (
    observed.plan?.status?.phase === "Succeeded" &&
    observed.nodes.every((n) => n.version === DEMO_TARGET_VERSION && n.ready)
  );
}

export async function runDemoCommand(argv: readonly string[], _env: Env, io: CliIo): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(DEMO_HELP);
    return 0;
  }
  const parsed = parseFlags(argv, {}, DEMO_FLAGS, { envPrefix: null });
  if (!parsed.ok) return usageError(io, "demo", parsed.error);
  const { timeout, keep, ...simFlags } = parsed.values;
  const timeScale = Number(simFlags.timeScale);
  if (!(timeScale > 0))
    return usageError(
      io,
      "demo",
      `--time-scale: expected a positive number, got ${JSON.stringify(simFlags.timeScale)}`,
    );
  const started = Date.now();
  const elapsed = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s]`;

  const { sim, kubeconfig } = await startSimFromSettings({ ...simFlags, nodes: 7, timeScale });
  const operatorConfig = parseOperatorConfig(
    [
      "--namespace",
      "rke2-lifecycle-system",
      "--listen-port",
      "0",
      "--log-level",
      simFlags.logLevel === "silent" ? "fatal" : simFlags.logLevel,
    ],
    {},
    () => undefined,
  );
  if (!operatorConfig.ok) throw new Error(operatorConfig.error);
  const operator = await runOperator(operatorConfig.config, {
    log: createLogger({ level: simFlags.logLevel }),
    port: sim.operatorPort,
    identity: "demo",
    host: "127.0.0.1",
  });
  io.stdout(
    `${PROGRAM} demo: a SIMULATED RKE2 cluster (7 nodes, node time x${timeScale}) and the operator, in this process.\n` +
      `  kubectl works meanwhile:  export KUBECONFIG=${kubeconfig}; kubectl get rke2; kubectl get upgradeplans -w\n` +
      `  operator metrics: http://127.0.0.1:${operator.port}/metrics\n\n`,
  );
  for (const manifest of demoManifests()) {
    const type = [upgradePlanResource, etcdSnapshotPolicyResource, certRotationResource].find(
      (t) => t.kind === manifest.kind,
    );
    if (!type) throw new Error(`demo manifest of unknown kind ${manifest.kind}`);
    await sim.port.apply(type, manifest);
    io.stdout(`${elapsed()} applied ${manifest.kind} ${manifest.metadata.name}\n`);
  }

  let previous = new Map<string, string>();
  let observed: DemoObservation | undefined;
  let record: RolloutRecord = { order: [], maxEtcdOut: 0 };
  const deadline = started + timeout * 1000;
  while (Date.now() < deadline) {
    observed = await observe(sim.port, operatorConfig.config.jobsNamespace);
    record = recordRollout(record, observed, DEMO_TARGET_VERSION);
    const view = demoView(observed);
    for (const line of changedLines(previous, view)) io.stdout(`${elapsed()} ${line}\n`);
    previous = view;
    if (upgradeDone(observed)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const done = observed !== undefined && upgradeDone(observed);
  io.stdout(
    done
      ? `\n${elapsed()} done: every node runs ${DEMO_TARGET_VERSION}.\n` +
          `  order observed: ${record.order.join(" -> ")}\n` +
          `  most etcd members out at once (not Ready or cordoned): ${record.maxEtcdOut}\n`
      : `\n${elapsed()} the upgrade did not finish within ${timeout}s. ${observed?.plan?.status?.observedGeneration === undefined ? "No controller reconciled the UpgradePlan: is the operator running (see its log above)?" : "See 'kubectl describe upgradeplan " + DEMO_PLAN + "'."}\n`,
  );
  if (keep) {
    io.stdout(`Still running for kubectl (KUBECONFIG=${kubeconfig}); Ctrl-C stops.\n`);
    await untilInterrupted();
  }
  await operator.stop();
  await sim.stop();
  return done ? 0 : 1;
}
