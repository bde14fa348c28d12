/**
 * rancher/rke2-upgrade's upgrade.sh exits 0 without restarting rke2 when the node's binary already
 * matches the image ("Binary already been replaced"). The kubelet then never reports the target:
 * the node must fail with a message that says so, well before the health gate's timeout.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { AGENTS_ONLY, freshSim, PATCH } from "./faults.ts";
import { condition, plan, quickSpec, startOperator, waitForPlan } from "./harness.ts";

describe("an upgrade Job that succeeds without restarting rke2", () => {
  it("fails the node after the restart grace (half of a short gate timeout), naming the cause", async () => {
    const sim = await freshSim();
    try {
      sim.cluster.setFaults({ upgradeWithoutRestart: true }, "agent-1");
      const operator = await startOperator(sim.operatorPort);
      try {
        const started = Date.now();
        const spec = quickSpec({
          version: PATCH,
          nodeSelector: AGENTS_ONLY,
          healthGate: { settle: "300ms", timeout: "8s" },
          failurePolicy: { maxAttemptsPerNode: 1 },
        });
        await sim.port.create(upgradePlanResource, plan("no-restart", spec));
        const halted = await waitForPlan(
          sim.port,
          "no-restart",
          (p) => p.status?.phase === "Halted",
          "the halt",
          30_000,
        );
        const failed = halted.status?.nodes?.find((node) => node.name === "agent-1");
        expect(failed).toMatchObject({ phase: "Failed" });
        expect(failed?.message).toContain("the upgrade Job succeeded but rke2 was not restarted");
        expect(failed?.message).toContain(`(not ${PATCH})`);
        expect(condition(halted, "Degraded")).toMatchObject({ status: "True", reason: "Halted" });
        // Told apart at half the gate's timeout (4 s), not at its end.
        expect(Date.now() - started).toBeLessThan(20_000);
      } finally {
        await operator.stop();
      }
    } finally {
      await sim.stop();
    }
  }, 60_000);
});
