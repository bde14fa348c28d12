/**
 * Events across an operator restart: the recorder remembers the counts of the Events it wrote
 * (observability/events.ts), so a new process does not; when it records an Event that is already
 * there (a drain still blocked by the same PodDisruptionBudget), the create is refused and it
 * counts on from the stored Event. `kubectl describe` keeps one DrainBlocked line, counted twice.
 */
import { describe, expect, it } from "@jest/globals";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { DEPLOYMENTS, PDBS } from "../../../src/sim/cluster/kinds.ts";
import { waitFor } from "../../support/sim-harness.ts";
import { AGENTS_ONLY, budget, freshSim, PATCH, pinnedDeployment, readyPodOn } from "./faults.ts";
import { plan, quickSpec, startOperator } from "./harness.ts";

const PLAN = "blocked-restart";

async function drainBlockedEvents(port: KubePort): Promise<CoreEvent[]> {
  return (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items.filter(
    (event) => event.involvedObject.name === PLAN && event.reason === "DrainBlocked",
  );
}

describe("events across an operator restart", () => {
  it("counts a repeated DrainBlocked on the Event the previous process wrote", async () => {
    const sim = await freshSim();
    try {
      await sim.port.create(DEPLOYMENTS, pinnedDeployment("guarded", "agent-1"));
      await sim.port.create(PDBS, budget("guarded", "guarded", 1));
      await readyPodOn(sim.port, "guarded", "agent-1");
      const first = await startOperator(sim.operatorPort);
      let written: CoreEvent;
      try {
        const spec = quickSpec({ version: PATCH, nodeSelector: AGENTS_ONLY, drain: { workers: { timeout: "10m" } } });
        await sim.port.create(upgradePlanResource, plan(PLAN, spec));
        written = await waitFor(async () => (await drainBlockedEvents(sim.port))[0], { what: "a DrainBlocked event" });
        expect(written.count).toBe(1);
      } finally {
        await first.stop();
      }

      const second = await startOperator(sim.operatorPort);
      try {
        const counted = await waitFor(
          async () => (await drainBlockedEvents(sim.port)).find((event) => event.count === 2),
          { what: "the DrainBlocked event counted again by the new process", timeoutMs: 30_000 },
        );
        expect(counted.metadata.name).toBe(written.metadata.name);
        expect(counted.firstTimestamp).toBe(written.firstTimestamp);
        expect(await drainBlockedEvents(sim.port)).toHaveLength(1);
      } finally {
        await second.stop();
      }
    } finally {
      await sim.stop();
    }
  }, 90_000);
});
