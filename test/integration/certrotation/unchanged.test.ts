/**
 * A rotation that leaves the due certificate unchanged is a failed attempt, not a success: here
 * spec.services names only etcd while the certificate due is kube-controller-manager's serving
 * cert (which an rke2 restart does not renew). Both attempts fail on the inventory check, the
 * node is marked failed and the CertRotation halts as Degraded; changing spec.trigger (with the
 * services fixed) retries, rotating every node once, and clears it.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { readClaim } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  certRotation,
  condition,
  DAY_MS,
  nodeOf,
  quickSpec,
  rotateJobs,
  withOperatorAndTimeline,
  TLS,
  waitForCr,
  waitForReported,
} from "./harness.ts";

const sim = withSim();
const running = withOperatorAndTimeline(sim);

const KCM = `${TLS}/kube-controller-manager/kube-controller-manager.crt`;

describe("a rotation that does not renew the due certificate", () => {
  it("fails the attempts on the inventory check, halts Degraded, and a trigger change retries", async () => {
    const port = sim().port;
    const due = Date.now() + 20 * DAY_MS;
    sim().cluster.setCertificateExpiry("cp-1", KCM, new Date(due));
    await waitForReported(port, "cp-1", KCM, due);
    await port.create(
      certRotationResource,
      certRotation("etcd-only", quickSpec({ services: ["etcd"], healthGate: { settle: "300ms", timeout: "3s" } })),
    );

    const halted = await waitForCr(
      port,
      "etcd-only",
      (cr) => cr.status?.phase === "Halted",
      "the rotation to halt",
      60_000,
    );
    expect(condition(halted, "Degraded")).toMatchObject({ status: "True", reason: "RotationFailed" });
    expect(condition(halted, "Ready")?.message).toContain("change spec.trigger to retry");
    const failed = halted.status?.nodes?.find((n) => n.name === "cp-1");
    expect(failed?.phase).toBe("Failed");
    expect(failed?.message).toContain("certificates did not change after rotation");
    expect(failed?.message).toContain("not covered by spec.services");
    expect(halted.status?.summary).toMatchObject({ failed: 1, expiringSoon: 1 });
    const node = await port.get<NodeObject>(NODE_RESOURCE, "cp-1");
    expect(readClaim(node?.metadata.annotations)).toMatchObject({ owner: "CertRotation/etcd-only", attempts: 2 });
    // cp-1 was claimed for attempt 1, for attempt 2, and once more to record the failure; the
    // Job of the first attempt was removed before the second ran; the certificate is unchanged.
    expect(running().timeline.claimOrder("CertRotation/")).toEqual(["cp-1", "cp-1", "cp-1"]);
    expect((await rotateJobs(port)).map(nodeOf)).toEqual(["cp-1"]);
    expect(
      sim()
        .cluster.certificatesOf("cp-1")
        .find((c) => c.file === KCM)?.notAfter,
    ).toBe(due);
    const reasons = await waitFor(
      async () => {
        const events = (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items.filter(
          (e) => e.involvedObject.name === "etcd-only",
        );
        const seen = new Set(events.map((e) => e.reason));
        return seen.has("RotationFailed") && seen;
      },
      { what: "the failure events" },
    );
    expect(reasons).toContain("AttemptFailed");
    expect(reasons).not.toContain("RotationConfirmed");

    // The fix: rotate every service, and a new trigger to retry.
    await port.mergePatch(certRotationResource, "etcd-only", { spec: { services: null, trigger: "retry-1" } });
    const fixed = await waitForCr(
      port,
      "etcd-only",
      (cr) => cr.status?.lastTrigger === "retry-1" && cr.status.phase === "Idle",
      "the retry to rotate every node",
      90_000,
    );
    expect(condition(fixed, "Ready")?.status).toBe("True");
    expect(condition(fixed, "Degraded")?.status).toBe("False");
    expect(
      sim()
        .cluster.certificatesOf("cp-1")
        .find((c) => c.file === KCM)?.notAfter,
    ).toBeGreaterThan(Date.now() + 360 * DAY_MS);
    // A trigger rotates every selected node once: cp-1 under the claim it kept since it failed
    // (retargeted), the others claimed anew, the etcd members in order.
    const retry = running().timeline.claimOrder("CertRotation/").slice(3);
    expect(new Set([...retry, "cp-1"])).toEqual(
      new Set(["etcd-1", "server-1", "server-2", "cp-1", "agent-1", "agent-2", "agent-3"]),
    );
    expect(retry.filter((n) => ["etcd-1", "server-1", "server-2"].includes(n))).toEqual([
      "etcd-1",
      "server-1",
      "server-2",
    ]);
    expect((await rotateJobs(port)).map(nodeOf).sort()).toEqual([
      "agent-1",
      "agent-2",
      "agent-3",
      "cp-1",
      "etcd-1",
      "server-1",
      "server-2",
    ]);
  }, 150_000);
});
