/**
 * A CertRotation and an UpgradePlan applied together: both run to completion, and no node of one
 * is ever out while a node of the other is (the engine's cluster-wide disruption lock). The due
 * certificates are the kube-controller-manager and kube-scheduler serving certs, which an rke2
 * restart (the upgrade) does not renew, so the rotation has work whoever goes first.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  certRotation,
  condition,
  DAY_MS,
  nodeOf,
  quickSpec,
  rotateJobs,
  TLS,
  waitForCr,
  waitForReported,
  withOperatorAndTimeline,
} from "./harness.ts";

const sim = withSim();
const running = withOperatorAndTimeline(sim);

const TO = "v1.31.4+rke2r1";
const DUE: [node: string, file: string][] = [
  ["server-1", `${TLS}/kube-controller-manager/kube-controller-manager.crt`],
  ["cp-1", `${TLS}/kube-scheduler/kube-scheduler.crt`],
];

describe("CertRotation and UpgradePlan together", () => {
  it("never have nodes out at the same time, and both finish", async () => {
    const port = sim().port;
    const now = Date.now();
    for (const [node, file] of DUE) sim().cluster.setCertificateExpiry(node, file, new Date(now + 20 * DAY_MS));
    for (const [node, file] of DUE) await waitForReported(port, node, file, now + 20 * DAY_MS);

    const plan: UpgradePlan = {
      apiVersion: upgradePlanResource.apiVersion,
      kind: upgradePlanResource.kind,
      metadata: { name: "to-1-31" },
      spec: {
        version: TO,
        healthGate: { settle: "300ms", timeout: "20s" },
        snapshot: { required: false },
        concurrency: { workers: 2 },
        drain: { workers: { force: true, timeout: "30s" } },
      },
    };
    await Promise.all([
      port.create(certRotationResource, certRotation("default", quickSpec())),
      port.create(upgradePlanResource, plan),
    ]);

    await waitFor(
      async () => (await port.get<UpgradePlan>(upgradePlanResource, "to-1-31"))?.status?.phase === "Succeeded",
      { timeoutMs: 120_000, intervalMs: 100, what: "the upgrade to succeed" },
    );
    const done = await waitForCr(
      port,
      "default",
      (cr) => cr.status?.phase === "Idle" && condition(cr, "Ready")?.status === "True",
      "the rotation to finish",
      60_000,
    );

    const line = running().timeline;
    // Both disrupted nodes, never at the same time.
    expect(line.claimOrder("CertRotation/").sort()).toEqual(["cp-1", "server-1"]);
    expect(line.claimOrder("UpgradePlan/")).toHaveLength(7);
    expect(line.overlaps()).toEqual([]);
    // Every node is back in service (a claim clobbered mid-race would leave one cordoned).
    const cordoned = (await port.list<NodeObject>(NODE_RESOURCE)).items.filter(
      (node) => node.spec?.unschedulable === true,
    );
    expect(cordoned.map((node) => node.metadata.name)).toEqual([]);
    expect((await rotateJobs(port)).map(nodeOf).sort()).toEqual(["cp-1", "server-1"]);
    expect(Date.parse(done.status?.earliestExpiry?.notAfter ?? "")).toBeGreaterThan(now + 300 * DAY_MS);
  }, 180_000);
});
