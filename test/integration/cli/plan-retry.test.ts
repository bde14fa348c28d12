/**
 * `rke2-lifecycle plan retry` on a plan the operator really halted: an agent's upgrade Job fails
 * (the sim's jobFails fault) with one attempt allowed, the plan halts; the cause goes away, the
 * CLI asks for a retry, and the plan finishes with status.lastRetry set to what the CLI wrote.
 */
import { expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { tmpdir } from "node:os";
import { promisify } from "node:util";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { withSim } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, PATCH } from "../upgradeplan/faults.ts";
import { plan, quickSpec, startOperator, waitForPlan } from "../upgradeplan/harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const sim = withSim();

it("retry clears a halt the operator made, and the plan then succeeds", async () => {
  const operator = await startOperator(sim().operatorPort);
  try {
    sim().cluster.setFaults({ jobFails: "simulated: the upgrade image could not be pulled" }, "agent-2");
    const spec = quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY, failurePolicy: { maxAttemptsPerNode: 1 } });
    await sim().port.create(upgradePlanResource, plan("cli-retry", spec));
    await waitForPlan(sim().port, "cli-retry", (p) => p.status?.phase === "Halted", "the plan to halt", 60_000);

    sim().cluster.setFaults({ jobFails: false }, "agent-2");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["src/main.ts", "plan", "retry", "cli-retry", "--kubeconfig", sim().kubeconfigPath],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: tmpdir() }, timeout: 30_000 },
    );
    expect(stdout).toBe("upgradeplan/cli-retry: retry requested\n");

    const succeeded = (p: UpgradePlan): boolean => p.status?.phase === "Succeeded";
    const done = await waitForPlan(sim().port, "cli-retry", succeeded, "the retried plan to finish", 60_000);
    expect(done.status?.lastRetry).toBe(done.spec.failurePolicy?.retry);
    expect(done.status?.lastRetry).toMatch(/^\d{4}-\d\d-\d\dT/);
  } finally {
    await operator.stop();
  }
}, 120_000);
