/**
 * `rke2-lifecycle plan pause|resume|retry` as a person runs it: a child process on the sim's
 * kubeconfig, then the same through a stock kubectl with bin/ on the PATH (`kubectl rke2 ...`).
 * No operator runs here: the test reads the object the command wrote (the operator's handling of
 * spec.paused and spec.failurePolicy.retry has its own tests in test/integration/upgradeplan).
 */
import { describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { withSim } from "../../support/sim-harness.ts";
import { toolPath } from "../../support/tools.ts";
import { REPO_ROOT, runCli, runProgram } from "../../support/cli-process.ts";

const ROOT = REPO_ROOT;
const sim = withSim();
const cli = runCli;

async function createPlan(name: string): Promise<void> {
  const plan: UpgradePlan = {
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    metadata: { name },
    spec: { version: "v1.30.7+rke2r1", snapshot: { required: false } },
  };
  await sim().port.create(upgradePlanResource, plan);
}

const readPlan = async (name: string): Promise<UpgradePlan> => {
  const plan = await sim().port.get<UpgradePlan>(upgradePlanResource, name);
  if (!plan) throw new Error(`upgradeplan ${name} is gone`);
  return plan;
};

describe("rke2-lifecycle plan", () => {
  it("pauses, resumes and retries a plan through --kubeconfig", async () => {
    await createPlan("cli-plan");
    const kubeconfig = ["--kubeconfig", sim().kubeconfigPath];

    const paused = await cli(["plan", "pause", "cli-plan", ...kubeconfig]);
    expect(paused).toEqual({
      code: 0,
      out: "upgradeplan/cli-plan paused: no new node starts; nodes in progress finish (phase was not reconciled yet)\n",
      err: "",
    });
    expect((await readPlan("cli-plan")).spec.paused).toBe(true);
    const { managedFields } = (await readPlan("cli-plan")).metadata as { managedFields?: { manager: string }[] };
    const managers = managedFields?.map((entry) => entry.manager);
    expect(managers).toContain("rke2-lifecycle-cli");

    const again = await cli(["plan", "pause", "cli-plan", ...kubeconfig]);
    expect(again.out).toBe("upgradeplan/cli-plan is already paused (no change)\n");

    const resumed = await cli(["plan", "resume", "cli-plan", ...kubeconfig]);
    expect([resumed.code, resumed.out]).toEqual([0, "upgradeplan/cli-plan resumed (phase was not reconciled yet)\n"]);
    expect((await readPlan("cli-plan")).spec.paused).toBe(false);

    // A halted plan: the status the operator would have written.
    await sim().port.patchStatus(upgradePlanResource, "cli-plan", { phase: "Halted" });
    const before = Date.now();
    const retried = await cli(["plan", "retry", "cli-plan", ...kubeconfig]);
    expect([retried.code, retried.out, retried.err]).toEqual([0, "upgradeplan/cli-plan: retry requested\n", ""]);
    const retry = (await readPlan("cli-plan")).spec.failurePolicy?.retry ?? "";
    expect(Date.parse(retry)).toBeGreaterThanOrEqual(before - 1000);

    // A second retry writes a new value, which is what makes the operator retry again.
    const retriedAgain = await cli(["plan", "retry", "cli-plan", ...kubeconfig]);
    expect(retriedAgain.code).toBe(0);
    expect((await readPlan("cli-plan")).spec.failurePolicy?.retry).not.toBe(retry);
  }, 60_000);

  it("reads KUBECONFIG like kubectl, and says when the plan is not there", async () => {
    const missing = await cli(["plan", "pause", "no-such-plan"], { KUBECONFIG: sim().kubeconfigPath });
    expect(missing.code).toBe(1);
    expect(missing.out).toBe("");
    expect(missing.err).toMatch(
      /^rke2-lifecycle plan: upgradeplan "no-such-plan" not found at \S+ \('kubectl get upgradeplans' lists them\)\n$/,
    );
  }, 60_000);

  it("says in one line when there is no cluster to talk to", async () => {
    const none = await cli(["plan", "resume", "cli-plan"]);
    expect(none).toEqual({
      code: 1,
      out: "",
      err:
        "rke2-lifecycle plan: no kubeconfig found: pass --kubeconfig, set KUBECONFIG, " +
        "or create ~/.kube/config (as for kubectl)\n",
    });
    const wrongContext = await cli(["plan", "resume", "cli-plan", "--context", "elsewhere"], {
      KUBECONFIG: sim().kubeconfigPath,
    });
    expect(wrongContext.code).toBe(1);
    expect(wrongContext.err).toMatch(
      /^rke2-lifecycle plan: --context: context "elsewhere" is not defined in KUBECONFIG \(/,
    );
  }, 60_000);

  it("works as a kubectl plugin: kubectl rke2 plan ...", async () => {
    await createPlan("cli-plugin");
    const env = { KUBECONFIG: sim().kubeconfigPath, PATH: `${join(ROOT, "bin")}:${process.env.PATH ?? ""}` };
    const kubectl = toolPath("kubectl");

    const plugins = await runProgram(kubectl, ["plugin", "list"], env);
    expect(plugins.out).toContain(join(ROOT, "bin/kubectl-rke2"));

    const paused = await runProgram(kubectl, ["rke2", "plan", "pause", "cli-plugin"], env);
    expect([paused.code, paused.err]).toEqual([0, ""]);
    expect(paused.out).toMatch(/^upgradeplan\/cli-plugin paused/);
    expect((await readPlan("cli-plugin")).spec.paused).toBe(true);

    const shown = await runProgram(kubectl, ["get", "upgradeplan", "cli-plugin", "-o", "jsonpath={.spec.paused}"], env);
    expect(shown.out).toBe("true");

    const version = await runProgram(kubectl, ["rke2", "--version"], env);
    expect(version.out).toMatch(/^rke2-lifecycle \S+ \(node v\d+\./);
  }, 60_000);
});
