/**
 * The gates between tiers hold a CertRotation as they hold an UpgradePlan (issue 17): a pods
 * blocker (a backup running) keeps every rotation from starting while its pod exists, and an
 * approval gate keeps the worker tier waiting until spec.approval.approved names it.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { NODE_LABEL, POD_RESOURCE } from "../../../src/nodeops/job.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { certRotation, condition, quickSpec, rotateJobs, waitForCr, withOperatorAndTimeline } from "./harness.ts";

const sim = withSim();
withOperatorAndTimeline(sim);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ONE_AGENT = { matchLabels: { "kubernetes.io/hostname": "agent-1" } };

describe("CertRotation gates", () => {
  it("a pods blocker holds while its pod exists; the worker tier waits for approval", async () => {
    const port = sim().port;
    await port.create(POD_RESOURCE, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "etcd-backup", namespace: "default", labels: { app: "etcd-backup" } },
      spec: { containers: [{ name: "backup", image: "busybox" }] },
    });
    await port.create(
      certRotationResource,
      certRotation(
        "gated",
        quickSpec({
          trigger: "now",
          nodeSelector: ONE_AGENT,
          approval: { tiers: ["worker"] },
          blockers: [
            {
              name: "backup-running",
              pods: { namespace: "default", selector: { matchLabels: { app: "etcd-backup" } } },
            },
          ],
        }),
      ),
    );
    const held = await waitForCr(
      port,
      "gated",
      (cr) => condition(cr, "Blocked")?.status === "True" && condition(cr, "AwaitingApproval")?.status === "True",
      "Blocked and AwaitingApproval",
      45_000,
    );
    expect(condition(held, "Blocked")?.message).toBe("blocked by backup-running (1 pod(s) exist: default/etcd-backup)");
    expect(condition(held, "AwaitingApproval")?.message).toBe(
      "the worker tier waits for approval: add worker to spec.approval.approved",
    );

    await port.delete(POD_RESOURCE, "etcd-backup", "default", { gracePeriodSeconds: 0 });
    await waitForCr(port, "gated", (cr) => condition(cr, "Blocked")?.status === "False", "Blocked=False", 45_000);
    await pause(1000);
    expect(await rotateJobs(port)).toEqual([]);

    await port.mergePatch(certRotationResource, "gated", { spec: { approval: { approved: ["worker"] } } });
    await waitFor(async () => (await rotateJobs(port)).length > 0, {
      what: "agent-1's rotation Job",
      timeoutMs: 30_000,
    });
    expect((await rotateJobs(port)).map((job) => job.metadata.labels?.[NODE_LABEL])).toEqual(["agent-1"]);
    const approved = await waitForCr(
      port,
      "gated",
      (cr) => condition(cr, "AwaitingApproval")?.status === "False",
      "AwaitingApproval=False",
    );
    expect(condition(approved, "AwaitingApproval")?.reason).toBe("Approved");
  }, 120_000);
});
