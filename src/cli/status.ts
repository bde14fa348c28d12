/**
 * `rke2-lifecycle status`: reads the cluster of the user's kubeconfig once and prints one screen
 * (status-view.ts builds it). Reads only: Nodes, the three kinds, and the disruption lock's Lease.
 */
import { certRotationResource, type CertRotation } from "../api/certrotation.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import { upgradePlanResource, type UpgradePlan } from "../api/upgradeplan.ts";
import { DEFAULT_NAMESPACE } from "../config.ts";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import { NODE_RESOURCE, type NodeObject } from "../rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME, lockHolder } from "../rollout/lock.ts";
import { isKubeError } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import { LEASE_RESOURCE, type Lease } from "../runtime/lease.ts";
import { CLUSTER_FLAGS, withCluster, type ClusterSession } from "./cluster.ts";
import { summarizeNode } from "./node-tiers.ts";
import { statusView, type StatusInput } from "./status-view.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

const STATUS_FLAGS = {
  ...CLUSTER_FLAGS,
  namespace: {
    type: "string",
    default: DEFAULT_NAMESPACE,
    description: "the operator's namespace, where its disruption lock (a Lease) lives",
  },
} as const;

export const STATUS_HELP = `Usage: ${PROGRAM} status [flags]

One screen about the cluster your kubeconfig names (as kubectl: --kubeconfig, else KUBECONFIG,
else ~/.kube/config; --context, else the current-context): nodes by tier with their versions,
the earliest certificate expiry, the last verified snapshot and storage health, the operation
running and who holds the disruption lock, and every condition that needs attention.
Reads only. Also a kubectl plugin: 'kubectl rke2 status'.

Flags:
${flagUsage(STATUS_FLAGS, null)}
`;

async function readLock(port: KubePort, namespace: string): Promise<StatusInput["lock"]> {
  try {
    const lease = await port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, namespace);
    return { name: `${namespace}/${DISRUPTION_LOCK_NAME}`, holder: lockHolder(lease) };
  } catch (err) {
    if (isKubeError(err, "Forbidden")) return "unreadable";
    throw err;
  }
}

export async function readStatusInput(session: ClusterSession, namespace: string, now: number): Promise<StatusInput> {
  const { port } = session;
  const [nodes, plans, rotations, policies, lock] = await Promise.all([
    port.list<NodeObject>(NODE_RESOURCE),
    port.list<UpgradePlan>(upgradePlanResource),
    port.list<CertRotation>(certRotationResource),
    port.list<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource),
    readLock(port, namespace),
  ]);
  return {
    server: session.server,
    nodes: nodes.items.map(summarizeNode),
    plans: plans.items,
    rotations: rotations.items,
    policies: policies.items,
    lock,
    now,
  };
}

export async function runStatusCommand(
  argv: readonly string[],
  env: Env,
  io: CliIo,
  now: () => number = Date.now,
): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(STATUS_HELP);
    return 0;
  }
  const parsed = parseFlags(argv, {}, STATUS_FLAGS, { envPrefix: null });
  if (!parsed.ok) return usageError(io, "status", parsed.error);
  const { namespace, ...clusterFlags } = parsed.values;
  return withCluster("status", clusterFlags, env, io, async (session) => {
    io.stdout(statusView(await readStatusInput(session, namespace, now())));
    return 0;
  });
}
