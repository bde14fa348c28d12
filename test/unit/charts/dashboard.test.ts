import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CertRotationConditions } from "../../../src/api/certrotation.ts";
import { EtcdSnapshotPolicyConditions } from "../../../src/api/etcdsnapshotpolicy.ts";
import { UpgradePlanConditions } from "../../../src/api/upgradeplan.ts";
import { CHART_DIR } from "./render.ts";

interface Variable {
  name: string;
  type: string;
  includeAll?: boolean;
  allValue?: string;
  query?: { query: string };
}

interface Dashboard {
  templating: { list: Variable[] };
  panels: { title: string; type: string; targets: { expr: string }[] }[];
}

const DASHBOARD_FILE = join(CHART_DIR, "files/dashboards/rke2-lifecycle-operator.json");
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8")) as Dashboard;
const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));

/** Condition types whose either status is normal: the panel leaves them out. */
const NEUTRAL = ["Progressing", "SnapshotTaken", "Paused"];

describe("Grafana dashboard variables and queries", () => {
  it("has cluster and job variables that also match series without those labels", () => {
    const variables = dashboard.templating.list.filter((v) => v.type === "query");
    expect(variables.map((v) => [v.name, v.includeAll, v.allValue])).toEqual([
      ["cluster", true, ".*"],
      ["job", true, ".*"],
    ]);
    for (const variable of variables) expect(variable.query?.query).toContain("rke2_lifecycle_leader");
  });

  it("scopes every metric of every panel to $cluster and $job", () => {
    const reads = /\brke2_lifecycle_[a-z_]+(\{[^}]*\})?/g;
    const metrics = queries.flatMap((expr) => [...expr.matchAll(reads)].map(([read]) => read));
    expect(metrics.length).toBeGreaterThan(15);
    const unscoped = metrics.filter((read) => !read.includes('{cluster=~"$cluster", job=~"$job"'));
    expect(unscoped).toEqual([]);
  });

  it("uses $__rate_interval in every rate()", () => {
    const rateRange = /\brate\([^[]*\[([^\]]+)\]/g;
    const ranges = queries.flatMap((expr) => [...expr.matchAll(rateRange)].map(([, range]) => range));
    expect(ranges.length).toBeGreaterThan(2);
    expect(new Set(ranges)).toEqual(new Set(["$__rate_interval"]));
  });
});

describe("the conditions panel", () => {
  const panel = dashboard.panels.find((p) => p.targets.some((t) => t.expr.includes("rke2_lifecycle_condition")));
  const expr = panel?.targets[0]?.expr ?? "";
  /** The condition types the query selects with the given status matcher. */
  const typesWith = (status: string): string[] =>
    [...expr.matchAll(/type=~"([^"]+)", status(!?=)"True"/g)]
      .filter(([, , op]) => op === status)
      .flatMap(([, types]) => types!.split("|"));

  it("is a table of conditions per kind and name", () => {
    expect(panel?.type).toBe("table");
    expect(expr).toMatch(/^max by \(cluster, kind, name, type, status\)/);
  });

  it("classifies every condition type of the three kinds: bad when not True, bad when True, or neutral", () => {
    const all = new Set([
      ...Object.values(CertRotationConditions),
      ...Object.values(EtcdSnapshotPolicyConditions),
      ...Object.values(UpgradePlanConditions),
    ]);
    const goodWhenTrue = typesWith("!=");
    const goodWhenFalse = typesWith("=");
    expect(goodWhenTrue).toEqual(expect.arrayContaining(["Ready", "StorageAvailable"]));
    expect(goodWhenFalse).toEqual(expect.arrayContaining(["Degraded", "SnapshotOverdue"]));
    expect([...goodWhenTrue, ...goodWhenFalse, ...NEUTRAL].sort()).toEqual([...all].sort());
  });
});
