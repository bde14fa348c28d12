import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { expiringGauge, expirySamples } from "../../../../src/controllers/certrotation/metrics.ts";
import { createMetrics } from "../../../../src/observability/metrics.ts";
import { ca, DAY, inventory, leaf, NOW } from "./fixtures.ts";

const seconds = (days: number): number => Math.floor((NOW + days * DAY) / 1000);

describe("the certificate expiry metrics", () => {
  it("has a series per file of each reporting node that exists, CAs too, as notAfter in seconds", () => {
    const inventories = [
      inventory("a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)]),
      inventory("b", [leaf("agent/client-kubelet.crt", 20)]),
      inventory("gone", [leaf("agent/client-kubelet.crt", 30)]),
    ];
    expect([...expirySamples(inventories, (node) => node !== "gone")]).toEqual([
      { labels: { node: "a", file: "agent/client-kubelet.crt" }, value: seconds(10) },
      { labels: { node: "a", file: "agent/server-ca.crt" }, value: seconds(3000) },
      { labels: { node: "b", file: "agent/client-kubelet.crt" }, value: seconds(20) },
    ]);
  });

  it("is read from its source at each scrape, so a changed report or a gone node shows at the next", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    let inventories = [
      inventory("a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)]),
      inventory("b", [leaf("agent/client-kubelet.crt", 20)]),
    ];
    metrics.certificateExpiry.readFrom(() => expirySamples(inventories, () => true));
    let text = await metrics.registry.metrics();
    expect(text).toContain(
      `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/client-kubelet.crt"} ${seconds(10)}`,
    );
    expect(text).toContain(
      `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/server-ca.crt"} ${seconds(3000)}`,
    );
    expect(text).toContain("# TYPE rke2_lifecycle_certificate_expiry_timestamp_seconds gauge");
    inventories = [inventory("a", [leaf("agent/client-kubelet.crt", 365)])];
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
