/**
 * A node that runs RKE2 with another data-dir (sim topology `dataDirs`: its Node says so in
 * `rke2.io/node-args`) than the one the certificate inventory reads (--rke2-data-dir): it is never
 * rotated blind, and the CertRotation says why in Ready (DataDirMismatch).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { NODE_LABEL } from "../../../src/nodeops/job.ts";
import { demoTopology } from "../../../src/sim/cluster/topology.ts";
import { withSim } from "../../support/sim-harness.ts";
import {
  certRotation,
  condition,
  quickSpec,
  rotateJobs,
  startOperator,
  waitForCr,
  type RunningOperator,
} from "./harness.ts";

const sim = withSim({ topology: { ...demoTopology(), dataDirs: { "agent-1": "/opt/rke2" } } });
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
});

const AGENTS = {
  matchExpressions: [
    { key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" as const },
    { key: "node-role.kubernetes.io/etcd", operator: "DoesNotExist" as const },
  ],
};

describe("a node with another RKE2 data-dir", () => {
  it("is left out of the rotation, and Ready says so", async () => {
    await sim().port.create(
      certRotationResource,
      certRotation("data-dir", quickSpec({ trigger: "now", nodeSelector: AGENTS })),
    );
    const settled = await waitForCr(
      sim().port,
      "data-dir",
      (cr) => condition(cr, "Ready")?.reason === "DataDirMismatch",
      "Ready=False DataDirMismatch",
      45_000,
    );
    expect(condition(settled, "Ready")?.message).toContain("agent-1 (/opt/rke2) run RKE2 with another data-dir");
    const rotated = (await rotateJobs(sim().port)).map((job) => job.metadata.labels?.[NODE_LABEL]).sort();
    expect(rotated).toEqual(["agent-2", "agent-3"]);
  }, 60_000);
});
