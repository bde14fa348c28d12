/**
 * An owner force-deleted mid-rollout (an admin removed its finalizer, so it did not wind down)
 * leaves the disruption lock held and its node claimed (cordoned). The next owner asks the API
 * server whether the holder still exists, finds it gone, takes the lock over, works the orphaned
 * node like any other and leaves it schedulable. Both directions: an UpgradePlan deleted under a
 * CertRotation, and a CertRotation deleted under an UpgradePlan.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import type { ResourceType } from "../../../src/runtime/kube/types.ts";
import { disruptionLockHolder } from "../../support/operator-config.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  certRotation,
  condition,
  DAY_MS,
  quickSpec,
  TLS,
  waitForCr,
  waitForReported,
  withOperatorAndTimeline,
} from "./harness.ts";

const sim = withSim();
const running = withOperatorAndTimeline(sim);

const TO = "v1.31.4+rke2r1";

function plan(name: string): UpgradePlan {
  return {
    apiVersion: upgradePlanResource.apiVersion,
    kind: upgradePlanResource.kind,
    metadata: { name },
    spec: {
      version: TO,
      healthGate: { settle: "300ms", timeout: "20s" },
      snapshot: { required: false },
      concurrency: { workers: 2 },
      drain: { workers: { force: true, timeout: "30s" } },
    },
  };
}

async function lockHeldBy(owner: string): Promise<void> {
  await waitFor(async () => (await disruptionLockHolder(sim().port)) === owner, {
    timeoutMs: 30_000,
    intervalMs: 20,
    what: `${owner} to hold the disruption lock`,
  });
}

async function makeDue(node: string, file: string): Promise<void> {
  const notAfter = Date.now() + 20 * DAY_MS;
  sim().cluster.setCertificateExpiry(node, file, new Date(notAfter));
  await waitForReported(sim().port, node, file, notAfter);
}

async function unschedulable(node: string): Promise<boolean> {
  return (await sim().port.get<NodeObject>(NODE_RESOURCE, node))?.spec?.unschedulable === true;
}

/** kubectl delete, then kubectl patch --type=merge -p '{"metadata":{"finalizers":null}}'. */
async function forceDelete(type: ResourceType, name: string): Promise<void> {
  await sim().port.delete(type, name);
  await sim().port.mergePatch(type, name, { metadata: { finalizers: null } });
}

function holderChecks(resource: string, name: string): number {
  return sim().operatorRequests.count({ verb: "get", group: "rke2-lifecycle.io", resource, name });
}

describe("the disruption lock after its holder is deleted mid-rollout", () => {
  it("a CertRotation takes over from a deleted UpgradePlan and leaves the orphaned node schedulable", async () => {
    const port = sim().port;
    await makeDue("etcd-1", `${TLS}/etcd/peer-server-client.crt`);
    await port.create(upgradePlanResource, plan("deleted-plan"));
    await lockHeldBy("UpgradePlan/deleted-plan");
    await waitFor(async () => (await unschedulable("etcd-1")) || undefined, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: "the plan to cordon etcd-1",
    });
    await forceDelete(upgradePlanResource, "deleted-plan");

    await port.create(certRotationResource, certRotation("after-plan", quickSpec()));
    const done = await waitForCr(
      port,
      "after-plan",
      (cr) => cr.status?.phase === "Idle" && condition(cr, "Ready")?.status === "True",
      "the rotation to finish",
      60_000,
    );

    expect(holderChecks("upgradeplans", "deleted-plan")).toBeGreaterThan(0);
    expect(running().timeline.claimOrder("CertRotation/after-plan")).toEqual(["etcd-1"]);
    expect(await unschedulable("etcd-1")).toBe(false);
    expect(await disruptionLockHolder(port)).toBeUndefined();
    expect(done.status?.summary?.expiringSoon).toBe(0);
  }, 120_000);

  it("an UpgradePlan takes over from a deleted CertRotation and upgrades every node, the orphan too", async () => {
    const port = sim().port;
    await port.delete(certRotationResource, "after-plan");
    await makeDue("server-1", `${TLS}/client-admin.crt`);
    await port.create(certRotationResource, certRotation("deleted-rotation", quickSpec()));
    await lockHeldBy("CertRotation/deleted-rotation");
    await waitFor(async () => (await unschedulable("server-1")) || undefined, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: "the rotation to cordon server-1",
    });
    await forceDelete(certRotationResource, "deleted-rotation");

    await port.create(upgradePlanResource, plan("after-rotation"));
    let last: UpgradePlan | undefined;
    await waitFor(
      async () =>
        (last = await port.get<UpgradePlan>(upgradePlanResource, "after-rotation"))?.status?.phase === "Succeeded",
      { timeoutMs: 120_000, intervalMs: 100, what: "the plan to succeed" },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; last status: ${JSON.stringify(last?.status)}`);
    });

    expect(holderChecks("certrotations", "deleted-rotation")).toBeGreaterThan(0);
    const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
    expect(nodes.filter((node) => node.spec?.unschedulable === true).map((node) => node.metadata.name)).toEqual([]);
    expect(
      nodes.filter((node) => node.status?.nodeInfo?.kubeletVersion !== TO).map((node) => node.metadata.name),
    ).toEqual([]);
    expect(running().timeline.claimOrder("UpgradePlan/after-rotation")).toContain("server-1");
    expect(await disruptionLockHolder(port)).toBeUndefined();
    // The dead claim on server-1 lingers (cordoned) until the plan reaches it; live owners never overlap.
    expect(
      running()
        .timeline.overlaps()
        .filter((overlap) => !overlap.owners.includes("CertRotation/deleted-rotation")),
    ).toEqual([]);
  }, 180_000);
});
