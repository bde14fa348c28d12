/**
 * An RKE2 without the ETCDSnapshotFile CRD (releases from before it): the API server answers 404
 * for etcdsnapshotfiles. The controller must still start (and the operator be ready), say so on
 * every policy, and verify snapshots from the node-agent's CLI listing. On the real lane the harness
 * deletes the CRD for this file (control-plane/reset.ts) and installs it again for the next.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { etcdSnapshotPolicyResource } from "../../../src/api/etcdsnapshotpolicy.ts";
import { termContext } from "../../../src/controllers/context.ts";
import { createEtcdSnapshotPolicyController } from "../../../src/controllers/etcdsnapshotpolicy/controller.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { ControllerManager } from "../../../src/operator/manager.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { condition, FastClock, getPolicy, operatorConfig, operatorRequests, policy } from "./harness.ts";

const clock = new FastClock(30);
const sim = withSim({ timeScale: 1, clock, etcdSnapshotFileCrd: false });
let manager: ControllerManager | undefined;

beforeAll(async () => {
  const log = silentLogger();
  const context = termContext({
    port: sim().operatorPort,
    clock,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
    config: operatorConfig(),
  });
  const module = createEtcdSnapshotPolicyController(context);
  manager = new ControllerManager([module], log);
  // Resolves once every controller started: it never did while the records informer waited for a 404 to go away.
  await manager.start();
});
afterAll(async () => {
  await manager?.stop();
});

describe("EtcdSnapshotPolicy where ETCDSnapshotFile is not served", () => {
  it("starts, is ready, says so on the policy and verifies a snapshot from the CLI listing", async () => {
    expect(manager?.isReady()).toBe(true);
    await sim().port.create(etcdSnapshotPolicyResource, policy("old-rke2", { schedule: "0 0 1 1 *", trigger: "now" }));
    const done = await waitFor(
      async () => {
        const current = await getPolicy(sim().port, "old-rke2");
        return current?.status?.lastSuccessfulSnapshot ? current : undefined;
      },
      { timeoutMs: 20_000, what: "the triggered snapshot verified" },
    );
    expect(done.status?.lastSuccessfulSnapshot?.name).toMatch(/^old-rke2-(etcd-1|server-1|server-2)-\d+\.zip$/);
    expect(condition(done, "Ready")).toMatchObject({ status: "True", reason: "SnapshotSucceeded" });
    expect(condition(done, "RecordsAvailable")).toMatchObject({ status: "False", reason: "RecordsCRDMissing" });
    expect(condition(done, "RecordsAvailable")?.message).toContain("etcdsnapshotfiles.k3s.cattle.io");
    // A look every 5 minutes of cluster time (10 s here), not a failing list every few seconds.
    expect(operatorRequests(sim(), { verb: "list", resource: "etcdsnapshotfiles" })).toBeLessThanOrEqual(2);
  }, 30_000);
});
