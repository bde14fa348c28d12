/**
 * The chart's PrometheusRule under `promtool test rules`: for every alert one series that fires it
 * and one that keeps it quiet. promtool comes from Debian's `prometheus` package; without it the
 * test is skipped on a workstation and fails under CI=true.
 */
import { describe, expect, it } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { find, RELEASE, renderChart, type Manifest } from "./render.ts";

const MONITORING_APIS = ["--api-versions", "monitoring.coreos.com/v1/PrometheusRule"];

function promtoolPath(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

const promtool = promtoolPath();
const inCi = process.env.CI === "true";

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}
type Groups = { name: string; rules: Rule[] }[];

interface AlertCase {
  alert: string;
  /** `series{labels}` -> promtool expanding notation, one sample per minute. */
  series: Record<string, string>;
  evalTime: string;
  /** Labels of the alert expected to fire (severity added from the rule); undefined: quiet. */
  fires?: Record<string, string>;
}

const condition = (kind: string, name: string, type: string, status: string): string =>
  `rke2_lifecycle_condition{kind="${kind}",name="${name}",type="${type}",status="${status}"}`;
const expiry = (node: string, file: string): string =>
  `rke2_lifecycle_certificate_expiry_timestamp_seconds{node="${node}",file="${file}"}`;
const DAY = 86_400;

/** Firing first, quiet second, per alert. */
const CASES: AlertCase[] = [
  // Thresholds: the chart's defaults, 28 days warning and 14 critical.
  {
    alert: "RKE2CertificateExpiringSoon",
    series: {
      [expiry("cp-1", "serving-kube-apiserver.crt")]: `${20 * DAY}x180`,
    },
    evalTime: "90m",
    fires: { node: "cp-1", file: "serving-kube-apiserver.crt" },
  },
  {
    alert: "RKE2CertificateExpiringSoon",
    series: {
      [expiry("cp-1", "serving-kube-apiserver.crt")]: `${90 * DAY}x180`,
    },
    evalTime: "90m",
  },
  {
    alert: "RKE2CertificateExpiryCritical",
    series: {
      [expiry("cp-1", "client-admin.crt")]: `${5 * DAY}x60`,
    },
    evalTime: "20m",
    fires: { node: "cp-1", file: "client-admin.crt" },
  },
  {
    alert: "RKE2CertificateExpiryCritical",
    series: {
      [expiry("cp-1", "client-admin.crt")]: `${20 * DAY}x60`,
    },
    evalTime: "20m",
  },
  {
    alert: "RKE2CertRotationDegraded",
    series: { [condition("CertRotation", "yearly", "Degraded", "True")]: "1x20" },
    evalTime: "10m",
    fires: { name: "yearly" },
  },
  {
    alert: "RKE2CertRotationDegraded",
    series: {
      [condition("CertRotation", "yearly", "Degraded", "True")]: "0x20",
      [condition("CertRotation", "yearly", "Degraded", "False")]: "1x20",
    },
    evalTime: "10m",
  },
  {
    alert: "RKE2EtcdSnapshotOverdue",
    series: { [condition("EtcdSnapshotPolicy", "hourly", "SnapshotOverdue", "True")]: "1x20" },
    evalTime: "15m",
    fires: { name: "hourly" },
  },
  {
    alert: "RKE2EtcdSnapshotOverdue",
    series: { [condition("EtcdSnapshotPolicy", "hourly", "SnapshotOverdue", "True")]: "1x5 0x15" },
    evalTime: "15m",
  },
  // The counter exists at 0 from the policy's first reconcile, so its first failure is an increase.
  {
    alert: "RKE2EtcdSnapshotFailing",
    series: { 'rke2_lifecycle_snapshot_failures_total{policy="hourly"}': "0x10 1x60" },
    evalTime: "15m",
    fires: { policy: "hourly" },
  },
  {
    alert: "RKE2EtcdSnapshotFailing",
    series: { 'rke2_lifecycle_snapshot_failures_total{policy="hourly"}': "0x70" },
    evalTime: "15m",
  },
  {
    alert: "RKE2EtcdSnapshotStorageUnavailable",
    series: { [condition("EtcdSnapshotPolicy", "hourly", "StorageAvailable", "False")]: "1x20" },
    evalTime: "15m",
    fires: { name: "hourly" },
  },
  {
    alert: "RKE2EtcdSnapshotStorageUnavailable",
    series: { [condition("EtcdSnapshotPolicy", "hourly", "StorageAvailable", "True")]: "1x20" },
    evalTime: "15m",
  },
  {
    alert: "RKE2EtcdSnapshotNotVerified",
    series: { 'rke2_lifecycle_snapshots_not_verified{policy="hourly"}': "0x5 2x30" },
    evalTime: "25m",
    fires: { policy: "hourly" },
  },
  {
    alert: "RKE2EtcdSnapshotNotVerified",
    series: { 'rke2_lifecycle_snapshots_not_verified{policy="hourly"}': "1x5 0x30" },
    evalTime: "25m",
  },
  // Threshold: the chart's default, 8 days. A success 9 days before the series starts fires; one 1 day before does not.
  {
    alert: "RKE2EtcdRestoreDrillStale",
    series: { 'rke2_lifecycle_restore_drill_last_success_timestamp_seconds{policy="nightly"}': `${-9 * DAY}x90` },
    evalTime: "70m",
    fires: { policy: "nightly" },
  },
  {
    alert: "RKE2EtcdRestoreDrillStale",
    series: { 'rke2_lifecycle_restore_drill_last_success_timestamp_seconds{policy="nightly"}': `${-1 * DAY}x90` },
    evalTime: "70m",
  },
  {
    alert: "RKE2EtcdRestoreDrillFailed",
    series: { [condition("EtcdSnapshotPolicy", "nightly", "RestoreVerified", "False")]: "1x20" },
    evalTime: "15m",
    fires: { name: "nightly" },
  },
  {
    alert: "RKE2EtcdRestoreDrillFailed",
    series: { [condition("EtcdSnapshotPolicy", "nightly", "RestoreVerified", "True")]: "1x20" },
    evalTime: "15m",
  },
  {
    alert: "RKE2UpgradePlanHalted",
    series: { [condition("UpgradePlan", "to-1-31", "Degraded", "True")]: "1x20" },
    evalTime: "10m",
    fires: { name: "to-1-31" },
  },
  {
    alert: "RKE2UpgradePlanHalted",
    series: { [condition("UpgradePlan", "to-1-31", "Degraded", "True")]: "1x2 0x18" },
    evalTime: "10m",
  },
  {
    alert: "RKE2LifecycleOperatorNoLeader",
    series: { 'rke2_lifecycle_leader{pod="a"}': "0x20", 'rke2_lifecycle_leader{pod="b"}': "0x20" },
    evalTime: "15m",
    fires: {},
  },
  {
    alert: "RKE2LifecycleOperatorNoLeader",
    series: { 'rke2_lifecycle_leader{pod="a"}': "1x20", 'rke2_lifecycle_leader{pod="b"}': "0x20" },
    evalTime: "15m",
  },
  // 6 errors a minute (0.1/s) for an hour fires; 1 a minute stays under 0.05/s.
  {
    alert: "RKE2LifecycleReconcileErrors",
    series: { 'rke2_lifecycle_reconcile_errors_total{controller="upgradeplan"}': "0+6x60" },
    evalTime: "50m",
    fires: { controller: "upgradeplan" },
  },
  {
    alert: "RKE2LifecycleReconcileErrors",
    series: { 'rke2_lifecycle_reconcile_errors_total{controller="upgradeplan"}': "0+1x60" },
    evalTime: "50m",
  },
];

function renderedGroups(): Groups {
  const rule: Manifest = find(renderChart(MONITORING_APIS), "PrometheusRule", RELEASE);
  return (rule.spec as { groups: Groups }).groups;
}

/** promtool compares annotations too; those are checked by `promtool check rules`, the logic here. */
function withoutAnnotations(groups: Groups): Groups {
  return groups.map((group) => ({
    ...group,
    rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule),
  }));
}

function promtoolTests(groups: Groups): object {
  const severity = new Map(groups.flatMap((g) => g.rules).map((rule) => [rule.alert, rule.labels.severity ?? ""]));
  return {
    rule_files: ["rules.json"],
    evaluation_interval: "1m",
    tests: CASES.map((c) => ({
      interval: "1m",
      input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
      alert_rule_test: [
        {
          eval_time: c.evalTime,
          alertname: c.alert,
          exp_alerts: c.fires ? [{ exp_labels: { ...c.fires, severity: severity.get(c.alert) } }] : [],
        },
      ],
    })),
  };
}

describe("PrometheusRule under promtool", () => {
  const run = promtool || inCi ? it : it.skip;

  run("each alert has a firing and a quiet case, and they pass `promtool test rules`", () => {
    if (!promtool) throw new Error("promtool is missing: apt-get install -y prometheus (CI=true needs it)");
    const groups = renderedGroups();
    const alerts = groups.flatMap((g) => g.rules.map((rule) => rule.alert)).sort();
    for (const alert of alerts) {
      expect([alert, CASES.filter((c) => c.alert === alert && c.fires).length]).toEqual([alert, 1]);
      expect([alert, CASES.filter((c) => c.alert === alert && !c.fires).length]).toEqual([alert, 1]);
    }
    expect(new Set(CASES.map((c) => c.alert))).toEqual(new Set(alerts));

    const dir = mkdtempSync(join(tmpdir(), "promtool-"));
    try {
      writeFileSync(join(dir, "full.json"), JSON.stringify({ groups }));
      execFileSync(promtool, ["check", "rules", join(dir, "full.json")], { stdio: "pipe" });
      writeFileSync(join(dir, "rules.json"), JSON.stringify({ groups: withoutAnnotations(groups) }));
      writeFileSync(join(dir, "tests.json"), JSON.stringify(promtoolTests(groups)));
      const result = spawnSync(promtool, ["test", "rules", join(dir, "tests.json")], { encoding: "utf8" });
      expect(`${result.stdout}${result.stderr}`).toContain("SUCCESS");
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
