import { describe, expect, it } from "@jest/globals";
import { Registry } from "prom-client";
import { CertificateExpiryExporter, diffExpiry, expiringGauge } from "../../../../src/controllers/certrotation/metrics.ts";
import { createMetrics } from "../../../../src/observability/metrics.ts";
import { ca, inventory, leaf, NOW } from "./fixtures.ts";

const entry = (version: string, node: string, certs: Parameters<typeof inventory>[1]) => ({ version, inventory: inventory(node, certs) });

describe("the certificate expiry metrics", () => {
  it("rewrites a node's gauges only when its report changed, and drops what went away", () => {
    const a1 = entry("1", "a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)]);
    expect(diffExpiry(new Map(), new Map([["a", a1]])).set).toHaveLength(2);
    const exported = new Map([["a", { version: "1", files: new Map([["agent/client-kubelet.crt", Math.floor((NOW + 10 * 86_400_000) / 1000)], ["agent/server-ca.crt", 0]]) }]]);
    expect(diffExpiry(exported, new Map([["a", a1]]))).toEqual({ set: [], remove: [] });
    const a2 = entry("2", "a", [leaf("agent/client-kubelet.crt", 365)]);
    const update = diffExpiry(exported, new Map([["a", a2]]));
    expect(update.set).toEqual([{ node: "a", file: "agent/client-kubelet.crt", seconds: Math.floor((NOW + 365 * 86_400_000) / 1000) }]);
    expect(update.remove).toEqual([{ node: "a", file: "agent/server-ca.crt" }]);
    expect(diffExpiry(exported, new Map()).remove).toHaveLength(2);
  });

  it("exports every file (CAs too) as notAfter in seconds, and forgets nodes that are gone", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const exporter = new CertificateExpiryExporter(metrics);
    exporter.sync(new Map([["a", entry("1", "a", [leaf("agent/client-kubelet.crt", 10), ca("agent/server-ca.crt", 3000)])], ["b", entry("1", "b", [leaf("agent/client-kubelet.crt", 20)])]]));
    let text = await metrics.registry.metrics();
    expect(text).toContain(`rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/client-kubelet.crt"} ${(NOW + 10 * 86_400_000) / 1000}`);
    expect(text).toContain('rke2_lifecycle_certificate_expiry_timestamp_seconds{node="a",file="agent/server-ca.crt"}');
    exporter.sync(new Map([["a", entry("1", "a", [])]]));
    text = await metrics.registry.metrics();
    expect(text).toContain('node="a",file="agent/client-kubelet.crt"');
    expect(text).not.toContain('node="b"');
  });

  it("registers the per-CertRotation expiring gauge once per registry", () => {
    const registry = new Registry();
    const gauge = expiringGauge(registry);
    expect(expiringGauge(registry)).toBe(gauge);
  });
});
