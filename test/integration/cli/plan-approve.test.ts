/**
 * `rke2-lifecycle plan approve` as a person runs it, against a running operator: a plan with
 * `spec.approval.tiers: [worker]` upgrades its etcd node and waits; the command (a child process
 * of the CLI, then the same through a stock `kubectl rke2`) writes spec.approval.approved, and the
 * worker tier starts: AwaitingApproval False, a worker node claimed and upgraded. Both lanes.
 */
import { describe, expect, it } from "@jest/globals";
import type { LabelSelector } from "../../../src/api/common.ts";
import type { PreviewStatus } from "../../../src/api/preview.ts";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { pluginEnv, runCli, runProgram, type Outcome } from "../../support/cli-process.ts";
import { startTestSim, waitFor } from "../../support/sim-harness.ts";
import { toolPath } from "../../support/tools.ts";
import { PATCH } from "../upgradeplan/faults.ts";
import { condition, plan, quickSpec, startOperator, waitForPlan } from "../upgradeplan/harness.ts";

/** An etcd node and two workers: the etcd tier, then the worker tier that waits. */
const ETCD_AND_WORKERS: LabelSelector = {
  matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["etcd-1", "agent-1", "agent-2"] }],
};
const WORKERS = ["agent-1", "agent-2"];

async function workersClaimed(port: KubePort): Promise<string[]> {
  const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
  return nodes
    .filter((n) => WORKERS.includes(n.metadata.name) && readClaim(n.metadata.annotations) !== undefined)
    .map((n) => n.metadata.name);
}

/** Runs a command of the CLI, some way, on the cluster of `kubeconfig`. */
type Runner = (args: string[], kubeconfig: string) => Promise<Outcome>;

/**
 * Runs `plan approve` (the way under test) on a plan waiting for its worker tier and checks the
 * tier starts; `plan preview` the same way while it waits.
 */
async function approvesTheWorkerTier(name: string, run: Runner): Promise<void> {
  const sim = await startTestSim();
  const operator = await startOperator(sim.operatorPort);
  try {
    const spec = quickSpec({ version: PATCH, nodeSelector: ETCD_AND_WORKERS, approval: { tiers: ["worker"] } });
    await sim.port.create(upgradePlanResource, plan(name, spec));
    const waiting = await waitForPlan(
      sim.port,
      name,
      (p) => condition(p, "AwaitingApproval")?.status === "True",
      "AwaitingApproval",
      60_000,
    );
    expect(waiting.status?.counts).toMatchObject({ upgraded: 1, inProgress: 0 });
    expect(await workersClaimed(sim.port)).toEqual([]);

    {
      const shown = await run(["plan", "preview", name, "-o", "json"], sim.kubeconfigPath);
      expect([shown.code, shown.err]).toEqual([0, ""]);
      const status = JSON.parse(shown.out) as PreviewStatus;
      expect(status.tiers.map((t) => [t.tier, t.nodes, t.awaitingApproval])).toEqual([
        ["etcd", 0, undefined],
        ["worker", 2, true],
      ]);
      expect(status.estimateBasis).toMatch(/; not counting the wait for approval of worker$/);
    }

    const approve = () => run(["plan", "approve", name, "worker"], sim.kubeconfigPath);
    const approved = await approve();
    expect(approved).toEqual({
      code: 0,
      out: `upgradeplan/${name}: the worker tier is approved (spec.approval.approved: worker)\n`,
      err: "",
    });
    const written = await sim.port.get<UpgradePlan>(upgradePlanResource, name);
    expect(written?.spec.approval).toEqual({ tiers: ["worker"], approved: ["worker"] });

    // The worker tier starts: a worker claimed (or already through), AwaitingApproval False.
    await waitFor(
      async () => {
        const current = await sim.port.get<UpgradePlan>(upgradePlanResource, name);
        return (current?.status?.counts?.upgraded ?? 0) > 1 || (await workersClaimed(sim.port)).length > 0;
      },
      { what: "a worker node to start", timeoutMs: 60_000 },
    );
    const started = await waitForPlan(
      sim.port,
      name,
      (p) => condition(p, "AwaitingApproval")?.status === "False",
      "AwaitingApproval False",
      30_000,
    );
    expect(condition(started, "AwaitingApproval")).toMatchObject({ reason: "Approved" });
    const done = await waitForPlan(sim.port, name, (p) => p.status?.phase === "Succeeded", "Succeeded", 90_000);
    expect(done.status?.counts).toMatchObject({ upgraded: 3, total: 3 });

    const again = await approve();
    expect(again.out).toBe(`upgradeplan/${name}: the worker tier is already approved (no change)\n`);
  } finally {
    await operator.stop();
    await sim.stop();
  }
}

describe("rke2-lifecycle plan approve, against a running operator", () => {
  it("as a child process of the CLI: the worker tier starts", async () => {
    await approvesTheWorkerTier("cli-approve", (args, kubeconfig) => runCli([...args, "--kubeconfig", kubeconfig]));
  }, 240_000);

  it("through a stock kubectl (kubectl rke2 plan approve): the worker tier starts", async () => {
    const kubectl = toolPath("kubectl");
    await approvesTheWorkerTier("plugin-approve", (args, kubeconfig) =>
      runProgram(kubectl, ["rke2", ...args], pluginEnv(kubeconfig)),
    );
  }, 240_000);
});
