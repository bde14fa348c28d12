import { certRotationResource, type CertRotation } from "../api/certrotation.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../api/upgradeplan.ts";
import { parseOperatorConfig } from "../config.ts";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import {
  DEMO_EXPIRING,
  DEMO_PLAN,
  DEMO_POLICY,
  DEMO_ROTATION,
  DEMO_TARGET_VERSION,
  demoManifests,
} from "../demo/manifests.ts";
import { liveFrame } from "../demo/live.ts";
import { LiveScreen } from "../demo/screen.ts";
import { changedLines, clip, demoView, MAX_LINE, recordRollout, type DemoObservation } from "../demo/view.ts";
import { jobOutcome, JOB_RESOURCE, type Job } from "../nodeops/job.ts";
import { createLogger } from "../observability/logger.ts";
import { runOperator } from "../operator/run.ts";
import { NODE_RESOURCE, type NodeObject } from "../rollout/kube-objects.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import type { Sim } from "../sim/index.ts";
import { summarizeNode } from "./node-tiers.ts";
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
starts the cluster and the operator, gives ${DEMO_EXPIRING.node} a certificate that expires in
${DEMO_EXPIRING.days} days, applies an EtcdSnapshotPolicy and a CertRotation (which rotates it), then an
UpgradePlan to ${DEMO_TARGET_VERSION}, until every node runs it. On a terminal the view redraws in
place; otherwise each transition is a line. kubectl works against it meanwhile through the printed
kubeconfig.

Flags:
${flagUsage(DEMO_FLAGS, null)}
`;

const DAY_MS = 86_400_000;
/**
 * A rotated leaf certificate lives a year; one renewed at least this far out, after the
 * CertRotation's cert-rotate Job for that node succeeded, was rotated by it (an rke2 restart for
 * the upgrade would renew it too: that does not count).
 */
const ROTATED_MS = 300 * DAY_MS;
/** The plan is applied once the rotation holds the disruption lock, or after this long regardless. */
const ROTATION_HEAD_START_MS = 20_000;

async function observe(sim: Sim, jobsNamespace: string): Promise<DemoObservation> {
  const port: KubePort = sim.port;
  const [nodes, plan, policy, rotation, jobs] = await Promise.all([
    port.list<NodeObject>(NODE_RESOURCE),
    port.get<UpgradePlan>(upgradePlanResource, DEMO_PLAN),
    port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, DEMO_POLICY),
    port.get<CertRotation>(certRotationResource, DEMO_ROTATION),
    port.list<Job>(JOB_RESOURCE, { namespace: jobsNamespace }),
  ]);
  return {
    nodes: nodes.items.map(summarizeNode),
    ...(plan ? { plan } : {}),
    ...(policy ? { policy } : {}),
    ...(rotation ? { rotation } : {}),
    jobs: jobs.items.map((job) => ({ name: job.metadata.name, state: jobOutcome(job, []).state })),
    certificate: {
      node: DEMO_EXPIRING.node,
      file: DEMO_EXPIRING.file,
      notAfter: expiringCertificate(sim) ?? 0,
      readAt: Date.now(),
    },
  };
}

function upgradeDone(observed: DemoObservation): boolean {
  return (
    observed.plan?.status?.phase === "Succeeded" &&
    observed.nodes.every((n) => n.version === DEMO_TARGET_VERSION && n.ready)
  );
}

/** The expiry of the demo's near-expiry certificate, read from the simulated node itself. */
function expiringCertificate(sim: Sim): number | undefined {
  return sim.cluster.certificatesOf(DEMO_EXPIRING.node).find((cert) => cert.file === DEMO_EXPIRING.file)?.notAfter;
}

const TYPES: readonly ResourceType[] = [upgradePlanResource, etcdSnapshotPolicyResource, certRotationResource];

async function applyManifest(sim: Sim, manifest: KubeObject): Promise<void> {
  const type = TYPES.find((t) => t.kind === manifest.kind);
  if (!type) throw new Error(`demo manifest of unknown kind ${manifest.kind}`);
  await sim.port.apply(type, manifest);
}

/** Prints the story: a frame redrawn in place on a terminal, else a line per change. */
interface Printer {
  note(line: string): void;
  show(observed: DemoObservation): void;
}

function createPrinter(io: CliIo, header: readonly string[], elapsedMs: () => number): Printer {
  const size = io.terminalSize?.();
  const stamp = (): string => `[${(elapsedMs() / 1000).toFixed(1).padStart(5)}s]`;
  for (const line of header) io.stdout(`${size ? clip(line, size.columns - 1) : line}\n`);
  io.stdout("\n");
  if (size === undefined) {
    let previous = new Map<string, string>();
    return {
      note: (line) => {
        io.stdout(`${clip(`${stamp()} ${line}`, MAX_LINE)}\n`);
      },
      show: (observed) => {
        const view = demoView(observed);
        for (const line of changedLines(previous, view)) io.stdout(`${stamp()} ${line}\n`);
        previous = view;
      },
    };
  }
  const screen = new LiveScreen(io.stdout);
  let lastNote = "";
  return {
    note: (line) => {
      lastNote = `${line} (at ${(elapsedMs() / 1000).toFixed(1)}s)`;
    },
    show: (observed) => {
      const frame = liveFrame(observed, {
        note: lastNote,
        elapsedMs: elapsedMs(),
        target: DEMO_TARGET_VERSION,
        width: size.columns,
      });
      // A frame taller than the screen cannot be redrawn in place: keep its top.
      screen.draw(frame.slice(0, Math.max(1, size.rows - 1)));
    },
  };
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
  const elapsedMs = (): number => Date.now() - started;

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
  const printer = createPrinter(
    io,
    [
      `${PROGRAM} demo: a SIMULATED 7-node RKE2 cluster (node time x${timeScale}) and the operator`,
      `  kubectl works meanwhile:  export KUBECONFIG=${kubeconfig}`,
      "                           kubectl get rke2; kubectl get upgradeplans -w",
      `  operator metrics: http://127.0.0.1:${operator.port}/metrics`,
    ],
    elapsedMs,
  );

  const expiringAt = started + DEMO_EXPIRING.days * DAY_MS;
  sim.cluster.setCertificateExpiry(DEMO_EXPIRING.node, DEMO_EXPIRING.file, new Date(expiringAt));
  printer.note(`${DEMO_EXPIRING.node}: ${DEMO_EXPIRING.file} set to expire in ${DEMO_EXPIRING.days} days (simulated)`);
  const [policy, plan, rotation] = ["EtcdSnapshotPolicy", "UpgradePlan", "CertRotation"].map((kind) =>
    demoManifests().find((m) => m.kind === kind),
  );
  for (const manifest of [policy, rotation]) {
    if (!manifest) continue;
    await applyManifest(sim, manifest);
    printer.note(`applied ${manifest.kind} ${manifest.metadata.name}`);
  }

  let observed: DemoObservation | undefined;
  let record = { order: [] as string[], maxEtcdOut: 0 };
  let planApplied = false;
  let rotateJobSucceeded = false;
  const rotateJob = `cert-rotate-${DEMO_ROTATION}-${DEMO_EXPIRING.node}-`;
  const rotated = (): boolean => rotateJobSucceeded && (expiringCertificate(sim) ?? 0) > started + ROTATED_MS;
  const deadline = started + timeout * 1000;
  while (Date.now() < deadline) {
    observed = await observe(sim, operatorConfig.config.jobsNamespace);
    if (
      !planApplied &&
      plan &&
      (observed.rotation?.status?.phase === "Rotating" || elapsedMs() > ROTATION_HEAD_START_MS)
    ) {
      await applyManifest(sim, plan);
      planApplied = true;
      printer.note(`applied UpgradePlan ${plan.metadata.name} (waits for the rotation's lock)`);
    }
    rotateJobSucceeded ||= observed.jobs.some((job) => job.name.startsWith(rotateJob) && job.state === "Succeeded");
    record = recordRollout(record, observed, DEMO_TARGET_VERSION);
    printer.show(observed);
    if (upgradeDone(observed) && rotated()) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const done = observed !== undefined && upgradeDone(observed) && rotated();
  const stamp = `[${(elapsedMs() / 1000).toFixed(1).padStart(5)}s]`;
  const renewed = new Date(expiringCertificate(sim) ?? 0).toISOString();
  io.stdout(
    done
      ? `\n${stamp} done: every node runs ${DEMO_TARGET_VERSION}.\n` +
          `  order observed: ${record.order.join(" -> ")}\n` +
          `  most etcd members out at once (not Ready or cordoned): ${record.maxEtcdOut}\n` +
          `  certificate rotated: ${DEMO_EXPIRING.node} ${DEMO_EXPIRING.file.replace(/^.*\//, "")}, ` +
          `${DEMO_EXPIRING.days} days left -> expires ${renewed.slice(0, 10)} (on the node)\n`
      : `\n${stamp} ${failureReason(observed, rotated(), timeout)}\n`,
  );
  if (keep) {
    io.stdout(`Still running for kubectl (KUBECONFIG=${kubeconfig}); Ctrl-C stops.\n`);
    await untilInterrupted();
  }
  await operator.stop();
  await sim.stop();
  return done ? 0 : 1;
}

function failureReason(observed: DemoObservation | undefined, rotated: boolean, timeout: number): string {
  if (observed?.plan?.status?.observedGeneration === undefined) {
    return (
      `the upgrade did not finish within ${timeout}s. No controller reconciled the UpgradePlan: ` +
      "is the operator running (see its log above)?"
    );
  }
  if (!upgradeDone(observed)) {
    return `the upgrade did not finish within ${timeout}s. See 'kubectl describe upgradeplan ${DEMO_PLAN}'.`;
  }
  return rotated
    ? `the demo did not finish within ${timeout}s.`
    : `the certificate of ${DEMO_EXPIRING.node} was not rotated within ${timeout}s. ` +
        `See 'kubectl describe certrotation ${DEMO_ROTATION}'.`;
}
