/**
 * Issue 17 for CertRotation (both lanes): paused with certificates due on two servers and one
 * agent, its status previews the rotation (servers one at a time, the nodes with nothing to renew
 * skipped); unpaused, status.estimatedCompletion shows while nodes are rotated, and goes at the end.
 */
import { expect, it } from "@jest/globals";
import { certRotationResource, type CertRotation } from "../../../src/api/certrotation.ts";
import { withSim } from "../../support/sim-harness.ts";
import { AGENT, certRotation, DAY_MS, quickSpec, startOperator, TLS, waitForCr, waitForReported } from "./harness.ts";

const sim = withSim();

const EXPIRING: [node: string, file: string][] = [
  ["server-1", `${TLS}/client-admin.crt`],
  ["server-2", `${TLS}/etcd/peer-server-client.crt`],
  ["agent-2", `${AGENT}/client-kubelet.crt`],
];

it("a paused CertRotation previews its rotation; rotating, it shows an ETA", async () => {
  const port = sim().port;
  const now = Date.now();
  for (const [node, file] of EXPIRING) sim().cluster.setCertificateExpiry(node, file, new Date(now + 20 * DAY_MS));
  for (const [node, file] of EXPIRING) await waitForReported(port, node, file, now + 20 * DAY_MS);
  const operator = await startOperator(sim().operatorPort);
  try {
    await port.create(certRotationResource, certRotation("preview", quickSpec({ renewBefore: "720h", paused: true })));
    const paused = await waitForCr(port, "preview", (cr) => cr.status?.preview !== undefined, "a preview", 60_000);
    expect(paused.status?.phase).toBe("Paused");
    const tiers = paused.status?.preview?.tiers.map((tier) => ({
      tier: tier.tier,
      batches: tier.batches ?? [],
      skippedNodes: tier.skippedNodes ?? "",
    }));
    expect(tiers).toEqual([
      { tier: "etcd", batches: ["server-1", "server-2"], skippedNodes: "etcd-1" },
      { tier: "control-plane", batches: [], skippedNodes: "cp-1" },
      { tier: "worker", batches: ["agent-2"], skippedNodes: "agent-1, agent-3" },
    ]);
    expect(paused.status?.preview).toMatchObject({ nodes: 3, skipped: 4, truncated: false });

    await port.mergePatch(certRotationResource, "preview", { spec: { paused: false } });
    const rotating = await waitForCr(
      port,
      "preview",
      (cr: CertRotation) => cr.status?.estimatedCompletion !== undefined,
      "an ETA while rotating",
      60_000,
    );
    expect(rotating.status?.phase).toBe("Rotating");
    expect(rotating.status?.preview).toBeUndefined();
    const idle = await waitForCr(port, "preview", (cr) => cr.status?.phase === "Idle", "the rotation to end", 90_000);
    expect(idle.status?.estimatedCompletion).toBeUndefined();
  } finally {
    await operator.stop();
  }
}, 180_000);
