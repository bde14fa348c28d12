/**
 * Deleting a CertRotation while a server's rotation Job runs: its finalizer keeps it until that
 * node is rotated, healthy and uncordoned; the other due server is never started; the lock is
 * freed; then it goes.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource, type CertRotation } from "../../../src/api/certrotation.ts";
import { RELEASE_FINALIZER } from "../../../src/rollout/finalizer.ts";
import { CLAIM_ANNOTATION } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { disruptionLockHolder } from "../../support/operator-config.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  certRotation,
  DAY_MS,
  nodeOf,
  quickSpec,
  rotateJobs,
  TLS,
  waitForReported,
  withOperatorAndTimeline,
} from "./harness.ts";

const sim = withSim();
const running = withOperatorAndTimeline(sim);

describe("deleting a CertRotation mid-rotation", () => {
  it("finishes the server being rotated, starts no other, frees the lock, then goes", async () => {
    const port = sim().port;
    const due = Date.now() + 20 * DAY_MS;
    for (const node of ["server-1", "server-2"])
      sim().cluster.setCertificateExpiry(node, `${TLS}/client-admin.crt`, new Date(due));
    for (const node of ["server-1", "server-2"]) await waitForReported(port, node, `${TLS}/client-admin.crt`, due);
    await port.create(certRotationResource, certRotation("going", quickSpec()));
    const first = await waitFor(async () => (await rotateJobs(port)).map(nodeOf)[0], {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: "the first rotation Job",
    });
    await port.delete(certRotationResource, "going");

    const winding = await port.get<CertRotation>(certRotationResource, "going");
    expect(winding?.metadata.deletionTimestamp).toBeDefined();
    expect(winding?.metadata.finalizers).toContain(RELEASE_FINALIZER);
    await waitFor(async () => (await port.get(certRotationResource, "going")) === undefined, {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: "the CertRotation to be gone",
    });

    expect(running().timeline.claimOrder("CertRotation/going")).toEqual([first]);
    const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
    expect(nodes.filter((n) => n.spec?.unschedulable === true).map((n) => n.metadata.name)).toEqual([]);
    expect(
      nodes.filter((n) => n.metadata.annotations?.[CLAIM_ANNOTATION] !== undefined).map((n) => n.metadata.name),
    ).toEqual([]);
    const renewed = sim()
      .cluster.certificatesOf(first)
      .find((c) => c.file === `${TLS}/client-admin.crt`);
    expect(renewed?.notAfter).toBeGreaterThan(Date.now() + 300 * DAY_MS);
    expect(await disruptionLockHolder(port)).toBeUndefined();
  }, 90_000);
});
