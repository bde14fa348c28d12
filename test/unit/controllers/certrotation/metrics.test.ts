import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import {
  CertificateExpiryExporter,
  diffExpiry,
  expiringGauge,
} from "../../../../src/controllers/certrotation/metrics.ts";
import { createMetrics } from "../../../../src/observability/metrics.ts";
import { ca, DAY, inventory, leaf, NOW } from "./fixtures.ts";

const seconds = (days: number): number => Math.floor((NOW + days * DAY) / 1000);

describe("the certificate expiry metrics", () => {
  it("changes only the gauges whose value changed, and drops files that went away", () => {
    const exported = new Map([
      ["agent/client-kubelet.crt", seconds(10)],
      ["agent/server-ca.crt", seconds(3000)],
    ]);
    expect(diffExpiry(new Map(), inventory("a", [leaf("agent/client-kubelet.crt", 10)]))).toEqual({
      set: [{ file: "agent/client-kubelet.crt", seconds: seconds(10) }],
      remove: [],
    });
    expect(
      diffExpiry(exported, inventory("a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)])),
    ).toEqual({ set: [], remove: [] });
    expect(diffExpiry(exported, inventory("a", [leaf("agent/client-kubelet.crt", 365)]))).toEqual({
      set: [{ file: "agent/client-kubelet.crt", seconds: seconds(365) }],
      remove: ["agent/server-ca.crt"],
    });
    expect(diffExpiry(exported, undefined).remove).toEqual(["agent/client-kubelet.crt", "agent/server-ca.crt"]);
  });

  it("exports every file (CAs too) as notAfter in seconds, and forgets a node that is gone", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const exporter = new CertificateExpiryExporter(metrics);
    exporter.update("a", inventory("a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)]));
    exporter.update("b", inventory("b", [leaf("agent/client-kubelet.crt", 20)]));
    let text = await metrics.registry.metrics();
    expect(text).toContain(
      `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/client-kubelet.crt"} ${seconds(10)}`,
    );
    expect(text).toContain(
      `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/server-ca.crt"} ${seconds(3000)}`,
    );
    exporter.update("b", undefined);
    exporter.update("a", inventory("a", [leaf("agent/client-kubelet.crt", 365)]));
    text = await metrics.registry.metrics();
    expect(text).toContain(`node="a",file="agent/client-kubelet.crt"} ${seconds(365)}`);
    expect(text).not.toContain('node="b"');
    expect(text).not.toContain("server-ca.crt");
  });

  it("registers the per-CertRotation expiring gauge once per registry", () => {
    const registry = new Registry();
    const gauge = expiringGauge(registry);
    expect(expiringGauge(registry)).toBe(gauge);
  });
});
