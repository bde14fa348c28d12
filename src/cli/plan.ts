/**
 * `rke2-lifecycle plan pause|resume|retry <plan>`: the three things a person does to a running
 * UpgradePlan, as merge patches of its spec on the cluster of their kubeconfig. Retry is the API's
 * own: a new value in spec.failurePolicy.retry clears a halt and retries the failed nodes
 * (docs/upgrades.md "Failures"). `plan preview` only reads (plan-preview.ts).
 */
import { upgradePlanResource, type UpgradePlan } from "../api/upgradeplan.ts";
import { parseFlags, flagUsage, type Env } from "../flags.ts";
import { PREVIEW_USAGE, runPlanPreview } from "./plan-preview.ts";
import { approveOutcome, approvePatch, isTier } from "./plan-approve.ts";
import { CLUSTER_FLAGS, withCluster } from "./cluster.ts";
import { PROGRAM, usageError, wantsHelp, type CliIo, type ExitCode } from "./usage.ts";

export const PLAN_ACTIONS = ["pause", "resume", "retry", "approve"] as const;
type PlanAction = Exclude<(typeof PLAN_ACTIONS)[number], "approve">;

export const PLAN_HELP = `Usage: ${PROGRAM} plan <pause|resume|retry> <plan> [flags]
       ${PROGRAM} plan preview <plan> | -f <file> [-o text|yaml|json] [flags]
       ${PROGRAM} plan approve <plan> <etcd|control-plane|worker> [flags]

Acts on an UpgradePlan of the cluster your kubeconfig names (as kubectl: --kubeconfig, else
KUBECONFIG, else ~/.kube/config; --context, else the current-context).

  pause    set spec.paused: no new node starts; nodes in progress finish
  resume   clear spec.paused: the rollout goes on where it stopped
  retry    set spec.failurePolicy.retry to the current time: a Halted plan retries its failed
           nodes (look at why they failed first: 'kubectl describe upgradeplan <plan>')
${PREVIEW_USAGE}
  approve  add the tier to spec.approval.approved: a tier named in spec.approval.tiers
           starts once approved (condition AwaitingApproval says which tier waits)

Also a kubectl plugin: 'kubectl rke2 plan pause <plan>' (bin/kubectl-rke2 on the PATH).

Flags:
${flagUsage(CLUSTER_FLAGS, null)}
`;

/** What to write for an action, or undefined when the plan already is that way. */
export function planPatch(action: PlanAction, plan: UpgradePlan, now: Date): object | undefined {
  const paused = plan.spec.paused === true;
  switch (action) {
    case "pause":
      return paused ? undefined : { spec: { paused: true } };
    case "resume":
      return paused ? { spec: { paused: false } } : undefined;
    case "retry":
      return { spec: { failurePolicy: { retry: now.toISOString() } } };
  }
}

/** The line printed after the action; `before` is the plan as it was read. */
export function planOutcome(action: PlanAction, before: UpgradePlan, written: boolean): string {
  const name = `upgradeplan/${before.metadata.name}`;
  const phase = before.status?.phase ?? "not reconciled yet";
  switch (action) {
    case "pause":
      return written
        ? `${name} paused: no new node starts; nodes in progress finish (phase was ${phase})`
        : `${name} is already paused (no change)`;
    case "resume":
      return written ? `${name} resumed (phase was ${phase})` : `${name} is not paused (no change)`;
    case "retry": {
      const notes = [
        ...(phase === "Halted" ? [] : [`the plan is not halted (phase ${phase}): there are no failed nodes to retry`]),
        ...(before.spec.paused === true ? ["it is paused: the retry happens once it is resumed"] : []),
      ];
      return `${name}: retry requested${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`;
    }
  }
}

export async function runPlanCommand(
  argv: readonly string[],
  env: Env,
  io: CliIo,
  now: () => Date = () => new Date(),
): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(PLAN_HELP);
    return 0;
  }
  if (argv[0] === "preview") return runPlanPreview(argv.slice(1), env, io);
  const parsed = parseFlags(argv, {}, CLUSTER_FLAGS, { envPrefix: null, allowPositionals: true });
  if (!parsed.ok) return usageError(io, "plan", parsed.error);
  const [action, name, ...extra] = parsed.positionals;
  if (action === undefined || !(PLAN_ACTIONS as readonly string[]).includes(action)) {
    const got = action === undefined ? "" : `, got ${JSON.stringify(action)}`;
    return usageError(io, "plan", `expected an action (${["preview", ...PLAN_ACTIONS].join(", ")})${got}`);
  }
  if (name === undefined) return usageError(io, "plan", `${action}: expected the name of an UpgradePlan`);
  const tier = action === "approve" ? extra.shift() : undefined;
  if (action === "approve" && (tier === undefined || !isTier(tier)))
    return usageError(io, "plan", `approve: expected a tier (etcd, control-plane or worker) after the plan name`);
  if (extra.length > 0) return usageError(io, "plan", `unexpected argument ${extra[0] ?? ""}`);

  return withCluster("plan", parsed.values, env, io, async (session) => {
    const plan = await session.port.get<UpgradePlan>(upgradePlanResource, name);
    if (!plan) {
      const hint = "('kubectl get upgradeplans' lists them)";
      io.stderr(`${PROGRAM} plan: upgradeplan "${name}" not found at ${session.server} ${hint}\n`);
      return 1;
    }
    if (tier !== undefined && isTier(tier)) {
      const approval = approvePatch(plan, tier);
      if (approval !== undefined) await session.port.mergePatch(upgradePlanResource, name, approval);
      io.stdout(`${approveOutcome(plan, tier, approval !== undefined)}\n`);
      return 0;
    }
    const patch = planPatch(action as PlanAction, plan, now());
    if (patch !== undefined) await session.port.mergePatch(upgradePlanResource, name, patch);
    io.stdout(`${planOutcome(action as PlanAction, plan, patch !== undefined)}\n`);
    return 0;
  });
}
