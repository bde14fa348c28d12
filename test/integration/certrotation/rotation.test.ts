/**
 * The main scenario on the simulated 7-node cluster: certificates expiring in 20 days on
 * two servers and one agent (renewBefore 30 d) are rotated through the rollout engine, servers one
 * at a time, only those three nodes; the inventory confirms the new expiry and `kubectl get
 * certrot` shows the earliest expiry about a year out.
 */
import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { CLAIM_ANNOTATION, completionLabelKey } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { toolPath } from "../../support/tools.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  AGENT,
  AGENTS,
  certRotation,
  condition,
  DAY_MS,
  nodeOf,
  quickSpec,
  rotateJobs,
  SERVERS,
  withOperatorAndTimeline,
  TLS,
  waitForCr,
  waitForReported,
} from "./harness.ts";

const run = promisify(execFile);
const sim = withSim();
const running = withOperatorAndTimeline(sim);

const EXPIRING: [node: string, file: string][] = [
  ["server-1", `${TLS}/client-admin.crt`],
  ["server-2", `${TLS}/etcd/peer-server-client.crt`],
  ["agent-2", `${AGENT}/client-kubelet.crt`],
];

describe("CertRotation on the simulated 7-node cluster", () => {
  it("rotates the 3 nodes expiring within renewBefore, servers one at a time, and confirms new expiry", async () => {
    const port = sim().port;
    const startedAt = Date.now();
    for (const [node, file] of EXPIRING)
      sim().cluster.setCertificateExpiry(node, file, new Date(startedAt + 20 * DAY_MS));
    for (const [node, file] of EXPIRING) await waitForReported(port, node, file, startedAt + 20 * DAY_MS);
    await port.create(certRotationResource, certRotation("default", quickSpec({ renewBefore: "720h" })));

    const done = await waitForCr(
      port,
      "default",
      (cr) => cr.status?.phase === "Idle" && condition(cr, "Ready")?.status === "True",
      "the rotation to finish",
      90_000,
    );

    // Only the three due nodes were touched; the servers one at a time, before the agent.
    const jobs = await rotateJobs(port);
    expect(jobs.map(nodeOf).sort()).toEqual(["agent-2", "server-1", "server-2"]);
    const line = running().timeline;
    expect(line.claimOrder("CertRotation/")).toEqual(["server-1", "server-2", "agent-2"]);
    expect(line.maxClaimedAtOnce(SERVERS)).toBe(1);
    const at = (kind: string, node: string): number =>
      line.entries.find((e) => e.kind === kind && e.node === node)?.at ?? Number.NaN;
    expect(at("claimed", "server-2")).toBeGreaterThanOrEqual(at("released", "server-1"));
    expect(at("claimed", "agent-2")).toBeGreaterThanOrEqual(at("released", "server-2"));

    // The sim renewed the files; the inventory reported them; the status shows a year out.
    for (const [node, file] of EXPIRING) {
      const cert = sim()
        .cluster.certificatesOf(node)
        .find((c) => c.file === file);
      expect(cert?.notAfter).toBeGreaterThan(startedAt + 364 * DAY_MS);
    }
    const earliest = Date.parse(done.status?.earliestExpiry?.notAfter ?? "");
    expect(earliest).toBeGreaterThan(startedAt + 360 * DAY_MS);
    expect(earliest).toBeLessThan(startedAt + 366 * DAY_MS);
    expect(done.status?.summary).toEqual({ nodes: 7, expiringSoon: 0, rotating: 0, failed: 0 });
    expect(done.status?.nodes).toBeUndefined();
    expect(condition(done, "ExpiringSoon")?.status).toBe("False");
    expect(condition(done, "Degraded")?.status).toBe("False");

    // Every node is labelled for the renew target and left uncordoned without a claim.
    const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
    for (const node of nodes) {
      expect(node.metadata.labels?.[completionLabelKey("CertRotation", "default")]).toBeDefined();
      expect(node.spec?.unschedulable).toBeUndefined();
      expect(node.metadata.annotations?.[CLAIM_ANNOTATION]).toBeUndefined();
    }

    // Events are recorded right after the status write that caused them.
    const wanted = [
      "ExpiringWarning",
      "Rotating",
      "NodeStarted",
      "NodeSucceeded",
      "RotationConfirmed",
      "RotationComplete",
      "NotExpiring",
    ];
    const reasons = await waitFor(
      async () => {
        const events = (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items.filter(
          (e) => e.involvedObject.name === "default",
        );
        const seen = new Set(events.map((e) => e.reason));
        return wanted.every((reason) => seen.has(reason)) && seen;
      },
      { what: "the rotation's events" },
    );
    expect(reasons.has("AttemptFailed")).toBe(false);

    const metrics = await running().operator.metrics.registry.metrics();
    const renewed =
      sim()
        .cluster.certificatesOf("server-1")
        .find((c) => c.file === `${TLS}/client-admin.crt`)?.notAfter ?? 0;
    expect(metrics).toContain(
      `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="server-1",file="server/tls/client-admin.crt"} ` +
        `${Math.floor(renewed / 1000)}`,
    );
    expect(metrics).toContain(
      'rke2_lifecycle_certificate_expiry_timestamp_seconds{node="agent-1",file="agent/server-ca.crt"}',
    );
    expect(metrics).toContain('rke2_lifecycle_certificates_expiring{certrotation="default",severity="warning"} 0');
    expect(metrics).toContain("rke2_lifecycle_disruption_lock_held 0");
    for (const agent of AGENTS.filter((a) => a !== "agent-2")) expect(jobs.map(nodeOf)).not.toContain(agent);
  }, 120_000);

  it("kubectl get certrot shows the phase and readiness, and the earliest expiry a year out", async () => {
    const kubectl = toolPath("kubectl");
    const { stdout } = await run(kubectl, ["--kubeconfig", sim().kubeconfigPath, "get", "certrot"]);
    const [header, row] = stdout.trim().split("\n");
    expect(header?.split(/\s+/).slice(0, 6)).toEqual(["NAME", "EARLIEST-EXPIRY", "PHASE", "ROTATING", "READY", "AGE"]);
    expect(header).toMatch(/ {2}MESSAGE$/);
    const cells = row?.split(/\s+/) ?? [];
    expect(cells[0]).toBe("default");
    expect(cells.slice(2, 5)).toEqual(["Idle", "0", "True"]);
    // EARLIEST-EXPIRY is a string column (a date column would print <invalid> for a future time).
    const expiry = Date.parse(cells[1] ?? "");
    expect(expiry).toBeGreaterThan(Date.now() + 360 * DAY_MS);
    expect(expiry).toBeLessThan(Date.now() + 366 * DAY_MS);
  });
});
