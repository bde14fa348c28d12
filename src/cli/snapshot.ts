/**
 * `rke2-lifecycle snapshot now <policy>`: sets the EtcdSnapshotPolicy's spec.trigger to a new value
 * (the API's on-demand snapshot), waits for the operator to take and verify it, and prints the
 * snapshot(s) with size and location, or the failure. snapshot-outcome.ts reads the status.
 */
import { DURATION_PATTERN, durationToMs } from "../api/duration.ts";
import { etcdSnapshotPolicyResource, type EtcdSnapshotPolicy } from "../api/etcdsnapshotpolicy.ts";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import { CLUSTER_FLAGS, withCluster, type ClusterSession } from "./cluster.ts";
import { describeOutcome, snapshotOutcome, type SnapshotOutcome } from "./snapshot-outcome.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

const SNAPSHOT_FLAGS = {
  ...CLUSTER_FLAGS,
  timeout: {
    type: "string",
    default: "5m",
    check: { pattern: new RegExp(DURATION_PATTERN), expected: "a duration such as 90s or 5m" },
    description: "how long to wait for the verified snapshot (the trigger stays set after a timeout)",
  },
} as const;

export const SNAPSHOT_HELP = `Usage: ${PROGRAM} snapshot now <policy> [flags]

Takes an etcd snapshot now through the EtcdSnapshotPolicy <policy> of the cluster your kubeconfig
names: sets its spec.trigger to the current time (the API's on-demand snapshot, on the nodes
and storage the policy names), waits until the operator has taken and verified it, and prints
each snapshot with its node, size and location. Exit code 1 when it failed or --timeout passed.
Also a kubectl plugin: 'kubectl rke2 snapshot now <policy>'.

Flags:
${flagUsage(SNAPSHOT_FLAGS, null)}
`;

const POLL_MS = 1000;

type Finished = Exclude<SnapshotOutcome, { state: "waiting" }>;

async function waitForOutcome(
  session: ClusterSession,
  before: EtcdSnapshotPolicy,
  trigger: string,
  deadline: number,
  now: () => number,
): Promise<Finished | { state: "timeout"; why: string }> {
  let why = "no answer yet";
  while (now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - now()))));
    const policy = await session.port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, before.metadata.name);
    if (!policy) return { state: "failed", message: "the policy was deleted while waiting" };
    const outcome = snapshotOutcome(before, policy, trigger);
    if (outcome.state !== "waiting") return outcome;
    why = outcome.why;
  }
  return { state: "timeout", why };
}

export async function runSnapshotCommand(
  argv: readonly string[],
  env: Env,
  io: CliIo,
  now: () => number = Date.now,
): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(SNAPSHOT_HELP);
    return 0;
  }
  const parsed = parseFlags(argv, {}, SNAPSHOT_FLAGS, { envPrefix: null, allowPositionals: true });
  if (!parsed.ok) return usageError(io, "snapshot", parsed.error);
  const [action, name, ...extra] = parsed.positionals;
  if (action !== "now") {
    const got = action === undefined ? "" : `, got ${JSON.stringify(action)}`;
    return usageError(io, "snapshot", `expected the action now${got}`);
  }
  if (name === undefined) return usageError(io, "snapshot", "now: expected the name of an EtcdSnapshotPolicy");
  if (extra.length > 0) return usageError(io, "snapshot", `unexpected argument ${extra[0] ?? ""}`);
  const { timeout, ...clusterFlags } = parsed.values;
  const timeoutMs = durationToMs(timeout) ?? 0;

  return withCluster("snapshot", clusterFlags, env, io, async (session) => {
    const before = await session.port.get<EtcdSnapshotPolicy>(etcdSnapshotPolicyResource, name);
    if (!before) {
      const hint = "('kubectl get etcdsnapshotpolicies' lists them)";
      io.stderr(`${PROGRAM} snapshot: etcdsnapshotpolicy "${name}" not found at ${session.server} ${hint}\n`);
      return 1;
    }
    const started = now();
    const trigger = new Date(started).toISOString();
    await session.port.mergePatch(etcdSnapshotPolicyResource, name, { spec: { trigger } });
    io.stdout(`etcdsnapshotpolicy/${name}: spec.trigger set to ${trigger}; waiting up to ${timeout}\n`);
    const outcome = await waitForOutcome(session, before, trigger, started + timeoutMs, now);
    if (outcome.state === "timeout") {
      io.stderr(
        `${PROGRAM} snapshot: no result within ${timeout}: ${outcome.why} ` +
          `('kubectl describe etcdsnapshotpolicy ${name}' shows its conditions and events)\n`,
      );
      return 1;
    }
    (outcome.state === "succeeded" ? io.stdout : io.stderr)(describeOutcome(name, outcome));
    return outcome.state === "succeeded" ? 0 : 1;
  });
}
