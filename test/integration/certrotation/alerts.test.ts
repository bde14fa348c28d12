/**
 * Expiry alerts: the ExpiringSoon condition and the `certificates_expiring` metric flip exactly
 * when a certificate crosses warnBefore (28 d) and criticalBefore (14 d), by time passing alone
 * (the controller wakes at the crossing, it does not poll), and per CertRotation as configured.
 * The per-file expiry metric carries the notAfter the shipped PrometheusRule compares with.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../../src/api/certrotation.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  AGENT,
  certRotation,
  condition,
  DAY_MS,
  quickSpec,
  rotateJobs,
  startOperator,
  waitForCr,
  waitForReported,
  type RunningOperator,
} from "./harness.ts";

const sim = withSim();
let operator: RunningOperator | undefined;

beforeAll(async () => {
  operator = await startOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
});

const FILE = `${AGENT}/client-kube-proxy.crt`;
/** How far past a threshold the certificate starts, in real time. */
const LEAD_MS = 3000;
/** Certificates (and the report) carry whole seconds. */
const wholeSecondAfter = (ms: number): number => Math.ceil(ms / 1000) * 1000;

async function metricValue(name: string, labels: string): Promise<number | undefined> {
  const text = (await operator?.metrics.registry.metrics()) ?? "";
  const line = text.split("\n").find((l: string) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

async function moveExpiry(notAfterMs: number): Promise<void> {
  sim().cluster.setCertificateExpiry("agent-1", FILE, new Date(notAfterMs));
  await waitForReported(sim().port, "agent-1", FILE, notAfterMs);
}

describe("certificate expiry alerts", () => {
  it("flip ExpiringSoon and the metrics at 28 d and at 14 d, and per CertRotation as configured", async () => {
    const port = sim().port;
    // renewBefore 1 day: these certificates are alerted on, not rotated.
    const spec = quickSpec({ renewBefore: "24h", warnBefore: "672h", criticalBefore: "336h" });
    const warnAt = wholeSecondAfter(Date.now() + LEAD_MS);
    await moveExpiry(warnAt + 28 * DAY_MS);
    await port.create(certRotationResource, certRotation("alerts", spec));
    await port.create(
      certRotationResource,
      certRotation("early", quickSpec({ renewBefore: "24h", warnBefore: "720h", criticalBefore: "360h" })),
    );

    const before = await waitForCr(port, "alerts", (cr) => cr.status?.phase === "Idle", "the first status");
    expect(Date.now()).toBeLessThan(warnAt);
    expect(condition(before, "ExpiringSoon")).toMatchObject({ status: "False", reason: "NotExpiring" });
    expect(await metricValue("rke2_lifecycle_certificates_expiring", 'certrotation="alerts",severity="warning"')).toBe(
      0,
    );
    // The CertRotation configured with 30 days warns already.
    const early = await waitForCr(
      port,
      "early",
      (cr) => condition(cr, "ExpiringSoon")?.status === "True",
      "the 30-day warning",
    );
    expect(condition(early, "ExpiringSoon")?.reason).toBe("ExpiringWarning");

    const warned = await waitForCr(
      port,
      "alerts",
      (cr) => condition(cr, "ExpiringSoon")?.status === "True",
      "the 28-day warning",
      15_000,
    );
    const flippedAt = Date.now();
    expect(flippedAt).toBeGreaterThanOrEqual(warnAt);
    expect(flippedAt - warnAt).toBeLessThan(2000);
    expect(condition(warned, "ExpiringSoon")?.reason).toBe("ExpiringWarning");
    expect(condition(warned, "ExpiringSoon")?.message).toContain("agent-1 agent/client-kube-proxy.crt");
    expect(await metricValue("rke2_lifecycle_certificates_expiring", 'certrotation="alerts",severity="warning"')).toBe(
      1,
    );
    expect(await metricValue("rke2_lifecycle_certificates_expiring", 'certrotation="alerts",severity="critical"')).toBe(
      0,
    );
    // What RKE2CertificateExpiringSoon evaluates: (notAfter - time()) < 28 d.
    const notAfter = await metricValue(
      "rke2_lifecycle_certificate_expiry_timestamp_seconds",
      'node="agent-1",file="agent/client-kube-proxy.crt"',
    );
    expect(notAfter).toBe(Math.floor((warnAt + 28 * DAY_MS) / 1000));
    expect((notAfter ?? 0) - Date.now() / 1000).toBeLessThan(28 * 86400);

    const criticalAt = wholeSecondAfter(Date.now() + LEAD_MS);
    await moveExpiry(criticalAt + 14 * DAY_MS);
    const stillWarning = await waitForCr(
      port,
      "alerts",
      (cr) =>
        condition(cr, "ExpiringSoon")?.message.includes(
          new Date(criticalAt + 14 * DAY_MS).toISOString().slice(0, 16),
        ) === true,
      "the new expiry in the warning",
    );
    expect(Date.now()).toBeLessThan(criticalAt);
    expect(condition(stillWarning, "ExpiringSoon")?.reason).toBe("ExpiringWarning");
    const critical = await waitForCr(
      port,
      "alerts",
      (cr) => condition(cr, "ExpiringSoon")?.reason === "ExpiringCritical",
      "the 14-day critical",
      15_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(criticalAt);
    expect(Date.now() - criticalAt).toBeLessThan(2000);
    expect(condition(critical, "ExpiringSoon")?.status).toBe("True");
    await waitFor(
      async () =>
        (await metricValue("rke2_lifecycle_certificates_expiring", 'certrotation="alerts",severity="critical"')) === 1,
      { what: "the critical metric" },
    );
    expect(critical.status?.phase).toBe("Idle");
    expect(await rotateJobs(port)).toEqual([]);

    // Renewed (as an rke2 restart would): both flip back.
    await moveExpiry(Date.now() + 365 * DAY_MS);
    const cleared = await waitForCr(
      port,
      "alerts",
      (cr) => condition(cr, "ExpiringSoon")?.status === "False",
      "the alert to clear",
    );
    expect(condition(cleared, "ExpiringSoon")?.reason).toBe("NotExpiring");
    await waitFor(
      async () =>
        (await metricValue("rke2_lifecycle_certificates_expiring", 'certrotation="alerts",severity="warning"')) === 0,
      { what: "the warning metric to clear" },
    );
  }, 60_000);
});
