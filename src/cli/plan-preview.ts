/**
 * `rke2-lifecycle plan preview <plan>` and `plan preview -f plan.yaml`: what an UpgradePlan's
 * rollout will do on the cluster of the user's kubeconfig, with every node named (the status's
 * `preview` is bounded). The same pure preview as the operator's (rollout/preview.ts), from the
 * plan and the Nodes as they are now; the file form works before the plan is applied.
 */
import { readFile } from "node:fs/promises";
import { parseAllDocuments, stringify } from "yaml";
import type { PreviewStatus } from "../api/preview.ts";
import { parseUpgradePlanSpec, upgradePlanResource, type UpgradePlan } from "../api/upgradeplan.ts";
import { flagUsage, parseFlags, type Env } from "../flags.ts";
import { createHttpChannelResolver } from "../controllers/upgradeplan/channel.ts";
import { rolloutGates } from "../controllers/gates.ts";
import { rolloutRequest } from "../controllers/upgradeplan/desired.ts";
import { ownerId, targetHash } from "../rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../rollout/kube-objects.ts";
import { NO_LOOKUPS, observeNode } from "../rollout/observe.ts";
import { previewRollout } from "../rollout/preview.ts";
import { previewStatus } from "../rollout/preview-status.ts";
import { CLUSTER_FLAGS, withCluster, type ClusterSession } from "./cluster.ts";
import { PROGRAM, usageError, type CliIo, type ExitCode } from "./usage.ts";

const PREVIEW_FLAGS = {
  ...CLUSTER_FLAGS,
  file: { type: "string", description: "an UpgradePlan manifest (YAML or JSON) to preview before applying it (-f)" },
  output: {
    type: "choice",
    choices: ["text", "yaml", "json"] as const,
    default: "text",
    description: "text, or the preview as status.preview has it, every node listed (-o)",
  },
} as const;

export const PREVIEW_USAGE = `  preview  print what the rollout will do: tiers, batches, nodes skipped, an estimate.
           'plan preview <plan>' reads the plan on the cluster; 'plan preview -f plan.yaml'
           a manifest (before it is applied). Every node is listed (status.preview is bounded).
           Preview flags:
${flagUsage({ file: PREVIEW_FLAGS.file, output: PREVIEW_FLAGS.output }, null).replace(/^/gm, "         ")}`;

const FULL = { nameChars: Number.POSITIVE_INFINITY, maxBatches: Number.POSITIVE_INFINITY };
const SHORT_FLAGS: Record<string, string> = { "-f": "--file", "-o": "--output" };

/**
 * The preview as text, every node named; the nodes in progress marked; before a tier, its soak
 * and its wait for approval (with the command that gives it).
 */
export function formatPreview(
  heading: string,
  preview: PreviewStatus,
  inProgress: ReadonlySet<string>,
  planName: string,
): string {
  const lines = [heading, `  estimate: ${preview.estimateBasis.split("; ").join("\n            ")}`];
  for (const tier of preview.tiers) {
    const pace = tier.tier === "etcd" ? "one at a time" : `${tier.concurrency} at a time`;
    const guard = tier.quorumGuard ? " (etcd quorum guard)" : "";
    lines.push(`${tier.tier}: ${tier.nodes} node(s), ${pace}${guard}, about ${tier.estimatedDuration}`);
    if (tier.soakBefore !== undefined)
      lines.push(`  first: healthGate.tierSoak ${tier.soakBefore} after the previous tier completes`);
    if (tier.awaitingApproval === true)
      lines.push(
        `  waits for approval: add ${tier.tier} to spec.approval.approved ` +
          `(${PROGRAM} plan approve ${planName} ${tier.tier})`,
      );
    (tier.batches ?? []).forEach((batch, index) => {
      const names = batch.split(", ").map((name) => (inProgress.has(name) ? `${name} (in progress)` : name));
      lines.push(`  ${index + 1}. ${names.join(", ")}`);
    });
    if (tier.skippedNodes !== undefined) lines.push(`  already at the target: ${tier.skippedNodes}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The first UpgradePlan of a manifest file (several documents allowed). */
export function planFromManifest(text: string): UpgradePlan | string {
  const documents = parseAllDocuments(text);
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    if (document.errors.length > 0) return `not YAML: ${document.errors[0]?.message ?? ""}`;
    const value: unknown = document.toJS();
    if (typeof value !== "object" || value === null) continue;
    const object = value as Partial<UpgradePlan>;
    if (object.kind === upgradePlanResource.kind) {
      return { ...object, metadata: { name: "preview", ...object.metadata } } as UpgradePlan;
    }
  }
  return `no ${upgradePlanResource.kind} in it`;
}

/** The target the operator uses (or would): the resolved one, the version, or the channel read now. */
async function targetOf(
  plan: UpgradePlan,
  version: string | undefined,
  channel: string | undefined,
): Promise<{ target: string } | { error: string }> {
  if (plan.status?.targetVersion !== undefined) return { target: plan.status.targetVersion };
  if (version !== undefined) return { target: version };
  try {
    return { target: await createHttpChannelResolver().resolve(channel ?? "") };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

async function readPlan(
  session: ClusterSession,
  name: string | undefined,
  file: string | undefined,
): Promise<UpgradePlan | string> {
  if (file !== undefined) {
    const text = await readFile(file, "utf8").catch((err: unknown) => (err instanceof Error ? err : new Error("")));
    if (text instanceof Error) return `cannot read ${file}: ${text.message}`;
    const plan = planFromManifest(text);
    return typeof plan === "string" ? `${file}: ${plan}` : plan;
  }
  const plan = await session.port.get<UpgradePlan>(upgradePlanResource, name ?? "");
  return plan ?? `upgradeplan "${name ?? ""}" not found at ${session.server} ('kubectl get upgradeplans' lists them)`;
}

export async function runPlanPreview(argv: readonly string[], env: Env, io: CliIo): Promise<ExitCode> {
  const args = argv.map((arg) => SHORT_FLAGS[arg] ?? arg);
  const parsed = parseFlags(args, {}, PREVIEW_FLAGS, { envPrefix: null, allowPositionals: true });
  if (!parsed.ok) return usageError(io, "plan", parsed.error);
  const { file, output } = parsed.values;
  const [name, ...extra] = parsed.positionals;
  if ((name === undefined) === (file === undefined))
    return usageError(io, "plan", "preview: expected the name of an UpgradePlan or -f <file>, not both");
  if (extra.length > 0) return usageError(io, "plan", `unexpected argument ${extra[0] ?? ""}`);
  return withCluster("plan preview", parsed.values, env, io, async (session) => {
    const plan = await readPlan(session, name, file);
    if (typeof plan === "string") {
      io.stderr(`${PROGRAM} plan preview: ${plan}\n`);
      return 1;
    }
    const spec = parseUpgradePlanSpec(plan.spec);
    if (!spec.ok) {
      io.stderr(`${PROGRAM} plan preview: the plan's spec is invalid: ${spec.message}\n`);
      return 1;
    }
    const resolved = await targetOf(plan, spec.spec.version, spec.spec.channel);
    if ("error" in resolved) {
      io.stderr(`${PROGRAM} plan preview: ${resolved.error}\n`);
      return 1;
    }
    const target = resolved.target;
    const gateSpec = { ...(spec.spec.approval ? { approval: spec.spec.approval } : {}) };
    const tierGates = rolloutGates(
      { ...gateSpec, tierSoak: spec.spec.healthGate.tierSoak },
      plan.status?.tierSoak,
      undefined,
    );
    const gates = { mayStart: false, retryFailed: false, tierGates };
    const request = rolloutRequest(plan, spec.spec, target, gates, "");
    const nodes = await session.port.list<NodeObject>(NODE_RESOURCE, {});
    const observed = nodes.items.map((node) => observeNode(node, request, NO_LOOKUPS));
    const owner = ownerId(upgradePlanResource.kind, plan.metadata.name);
    const preview = previewRollout({
      owner,
      targetHash: targetHash(target),
      nodes: observed,
      policy: request.policy,
      gates: tierGates,
    });
    const full = previewStatus(preview, request.policy.healthGate.settleMs, FULL);
    if (output === "json") io.stdout(`${JSON.stringify(full, null, 2)}\n`);
    else if (output === "yaml") io.stdout(stringify(full, { lineWidth: 0 }));
    else {
      const heading =
        `upgradeplan/${plan.metadata.name} to ${target}: ${full.nodes} node(s) to upgrade, ` +
        `${full.skipped} already at the target, about ${full.estimatedDuration}`;
      const busy = new Set(observed.filter((node) => node.claim?.owner === owner).map((node) => node.name));
      io.stdout(formatPreview(heading, full, busy, plan.metadata.name));
    }
    return 0;
  });
}
