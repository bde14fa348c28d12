import { describe, expect, it } from "@jest/globals";
import { createMetrics } from "../../../src/observability/metrics.ts";
import { find, RELEASE, renderChart, renderError, type Manifest } from "./render.ts";

const MONITORING_APIS = [
  "--api-versions",
  "monitoring.coreos.com/v1/ServiceMonitor",
  "--api-versions",
  "monitoring.coreos.com/v1/PrometheusRule",
];

const exported = new Set(
  createMetrics({ defaultMetrics: false })
    .registry.getMetricsAsArray()
    .map((metric) => metric.name),
);

/** Metric names a PromQL expression reads, histogram series mapped to their metric. */
function metricsIn(expr: string): string[] {
  return [...expr.matchAll(/\brke2_lifecycle_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ""));
}

interface Rule {
  alert: string;
  expr: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const rulesOf = (manifest: Manifest): Rule[] =>
  (manifest.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);
const kinds = (manifests: Manifest[]): string[] => manifests.map((m) => m.kind);

describe("ServiceMonitor and PrometheusRule", () => {
  it("are left out when the cluster has no prometheus-operator (auto)", () => {
    expect(kinds(renderChart())).not.toEqual(expect.arrayContaining(["ServiceMonitor"]));
    expect(kinds(renderChart())).not.toEqual(expect.arrayContaining(["PrometheusRule"]));
  });

  it("are rendered when the cluster serves their kinds, unless turned off", () => {
    expect(kinds(renderChart(MONITORING_APIS))).toEqual(expect.arrayContaining(["ServiceMonitor", "PrometheusRule"]));
    const off = renderChart([
      ...MONITORING_APIS,
      "--set",
      "metrics.serviceMonitor.enabled=false",
      "--set",
      "metrics.prometheusRule.enabled=false",
    ]);
    expect(kinds(off).filter((kind) => kind.startsWith("Service") || kind === "PrometheusRule")).toEqual([
      "ServiceAccount",
      "ServiceAccount",
      "Service",
    ]);
  });

  it("can be forced on and rejects values other than auto, true and false", () => {
    expect(kinds(renderChart(["--set", "metrics.serviceMonitor.enabled=true"]))).toContain("ServiceMonitor");
    expect(renderError(["--set", "metrics.serviceMonitor.enabled=yes"])).toContain(
      "value must be one of 'auto', true, false",
    );
    expect(
      renderError(["--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.service.enabled=false"]),
    ).toContain("needs metrics.service.enabled");
  });

  it("scrapes the metrics Service's port", () => {
    const rendered = renderChart(MONITORING_APIS);
    const monitor = find(rendered, "ServiceMonitor", RELEASE).spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    const service = find(rendered, "Service", `${RELEASE}-metrics`);
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: "http-metrics", path: "/metrics" })]);
    expect(service.metadata.labels).toMatchObject(monitor.selector.matchLabels);
  });
});

describe("alerts", () => {
  const rules = rulesOf(find(renderChart(MONITORING_APIS), "PrometheusRule", RELEASE));

  it("ship the alerts of the design: certificate expiry, snapshots, storage, restore drills, halted plans", () => {
    expect(rules.map((r) => r.alert)).toEqual([
      "RKE2CertificateExpiringSoon",
      "RKE2CertificateExpiryCritical",
      "RKE2CertRotationDegraded",
      "RKE2EtcdSnapshotOverdue",
      "RKE2EtcdSnapshotFailing",
      "RKE2EtcdSnapshotStorageUnavailable",
      "RKE2EtcdSnapshotNotVerified",
      "RKE2EtcdRestoreDrillStale",
      "RKE2EtcdRestoreDrillFailed",
      "RKE2UpgradePlanHalted",
      "RKE2LifecycleOperatorNoLeader",
      "RKE2LifecycleReconcileErrors",
    ]);
    for (const rule of rules) {
      expect(["warning", "critical"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary).toMatch(/\S/);
    }
  });

  it("warn at 28 days and page at 14 days of certificate life by default, and follow the values", () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    expect(byName.get("RKE2CertificateExpiringSoon")?.expr).toContain("< 28 * 86400 > 14 * 86400");
    expect(byName.get("RKE2CertificateExpiryCritical")?.expr).toContain("< 14 * 86400");
    const custom = rulesOf(
      find(
        renderChart([...MONITORING_APIS, "--set", "metrics.prometheusRule.certificateWarningDays=40"]),
        "PrometheusRule",
        RELEASE,
      ),
    );
    expect(custom[0]?.expr).toContain("< 40 * 86400 > 14 * 86400");
    expect(renderError([...MONITORING_APIS, "--set", "metrics.prometheusRule.certificateCriticalDays=30"])).toContain(
      "must be greater",
    );
  });

  it("read only metrics the operator exports", () => {
    const read = rules.flatMap((r) => metricsIn(r.expr));
    expect(read.length).toBeGreaterThan(0);
    expect(read.filter((name) => !exported.has(name))).toEqual([]);
  });
});

describe("Grafana dashboard", () => {
  const rendered = renderChart([
    "--set",
    "grafanaDashboard.enabled=true",
    "--set",
    "grafanaDashboard.namespace=monitoring",
  ]);
  const configMap = find(rendered, "ConfigMap", `${RELEASE}-dashboard`);
  const data = configMap.data as Record<string, string>;
  const dashboard = JSON.parse(data["rke2-lifecycle-operator.json"] ?? "") as {
    uid: string;
    panels: { targets: { expr: string }[] }[];
  };

  it("is a ConfigMap the Grafana sidecar picks up, off by default", () => {
    expect(configMap.metadata.labels?.grafana_dashboard).toBe("1");
    expect(configMap.metadata.namespace).toBe("monitoring");
    expect(kinds(renderChart())).not.toContain("ConfigMap");
  });

  it("queries only metrics the operator exports", () => {
    const used = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => metricsIn(target.expr)));
    expect(used.length).toBeGreaterThan(10);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    expect(used).toEqual(
      expect.arrayContaining([
        "rke2_lifecycle_leader",
        "rke2_lifecycle_certificate_expiry_timestamp_seconds",
        "rke2_lifecycle_snapshot_last_success_timestamp_seconds",
        "rke2_lifecycle_upgrade_nodes",
        "rke2_lifecycle_disruption_lock_held",
      ]),
    );
  });
});
