import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import type { Blocker } from "../../../src/api/rollout-gates.ts";
import { BlockerEvaluator } from "../../../src/controllers/blockers/evaluate.ts";
import { alertMatches, holdingAlerts, isSuppressed } from "../../../src/controllers/blockers/match.ts";
import { FakeClock } from "../../../src/runtime/clock.ts";
import type { KubePort } from "../../../src/runtime/kube/port.ts";
import { FakePrometheus } from "../../support/prometheus-server.ts";

describe("alert matching (pure)", () => {
  const cases: [string, Record<string, string>, NonNullable<Blocker["alerts"]>, boolean][] = [
    ["by name", { alertname: "A" }, { names: ["A", "B"] }, true],
    ["another name", { alertname: "C" }, { names: ["A"] }, false],
    ["by label", { alertname: "C", severity: "critical" }, { labels: { severity: "critical" } }, true],
    ["a label differs", { alertname: "C", severity: "warning" }, { labels: { severity: "critical" } }, false],
    [
      "name and label",
      { alertname: "A", severity: "critical" },
      { names: ["A"], labels: { severity: "critical" } },
      true,
    ],
    ["no matcher: every alert", { alertname: "Z" }, {}, true],
  ];
  it.each(cases)("%s", (_name, alert, matcher, expected) => {
    expect(alertMatches(alert, matcher)).toBe(expected);
  });

  it("an alert Alertmanager suppresses (with its external labels added) does not hold", () => {
    const alert = { alertname: "A", node: "n1" };
    expect(isSuppressed(alert, [{ alertname: "A", node: "n1", prometheus: "monitoring/k8s" }])).toBe(true);
    expect(isSuppressed(alert, [{ alertname: "A", node: "n2" }])).toBe(false);
    expect(holdingAlerts([alert, { alertname: "B" }], [{ ...alert, cluster: "x" }], {})).toEqual(["B"]);
  });
});

describe("BlockerEvaluator against a Prometheus-compatible server", () => {
  const prometheus = new FakePrometheus();
  let url = "";
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const noPort = {} as KubePort;
  const alerts = (extra: Partial<Blocker> = {}): Blocker => ({
    name: "critical-alerts",
    alerts: { labels: { severity: "critical" } },
    prometheus: { url, timeout: "2s" },
    ...extra,
  });

  beforeAll(async () => {
    url = await prometheus.start();
  });
  afterAll(async () => {
    await prometheus.stop();
  });
  beforeEach(() => {
    prometheus.alerts = [];
    prometheus.silences = [];
    prometheus.queries.clear();
  });

  it("a firing alert holds; a silenced one does not when Alertmanager is given", async () => {
    prometheus.fire("NodeDown", { severity: "critical" });
    prometheus.fire("Noise", { severity: "info" });
    const evaluator = new BlockerEvaluator({ port: noPort, clock, secretNamespace: "ns", ttlMs: 0 });
    expect((await evaluator.evaluate("o", [alerts()])).holding).toEqual([
      { name: "critical-alerts", message: "alert(s) firing: NodeDown" },
    ]);
    prometheus.silence({ alertname: "NodeDown" });
    const withAm = alerts({ prometheus: { url, alertmanagerUrl: url, timeout: "2s" } });
    expect((await evaluator.evaluate("o", [withAm])).holding).toEqual([]);
    // Without an Alertmanager URL a silence is unknown to the operator: the alert still holds.
    expect((await evaluator.evaluate("o", [alerts()])).holding).toHaveLength(1);
  });

  it("a query with a non-empty result holds; a bad query holds with Prometheus' reason", async () => {
    prometheus.queries.set("velero_backup_active > 0", [{ schedule: "daily" }]);
    prometheus.queries.set("up == 0", []);
    const evaluator = new BlockerEvaluator({ port: noPort, clock, secretNamespace: "ns", ttlMs: 0 });
    const query = (name: string, q: string): Blocker => ({ name, query: q, prometheus: { url, timeout: "2s" } });
    const report = await evaluator.evaluate("o", [
      query("backup", "velero_backup_active > 0"),
      query("down", "up == 0"),
      query("bad", "sum(("),
    ]);
    expect(report.holding).toEqual([
      { name: "backup", message: "the query returns 1 result(s)" },
      { name: "bad", message: expect.stringContaining("HTTP 400: cannot parse sum((") },
    ]);
  });

  it("an unreachable Prometheus holds with why (fail closed)", async () => {
    const gone = new FakePrometheus();
    const goneUrl = await gone.start();
    await gone.stop();
    const evaluator = new BlockerEvaluator({ port: noPort, clock, secretNamespace: "ns", ttlMs: 0 });
    const report = await evaluator.evaluate("o", [alerts({ prometheus: { url: goneUrl, timeout: "2s" } })]);
    expect(report.holding[0]?.message).toBe(
      `cannot be evaluated: GET ${goneUrl}/api/v1/alerts: fetch failed: connect ECONNREFUSED ${goneUrl.slice(7)}`,
    );
  });

  it("evaluates at most once per TTL (the injected clock) unless the blockers change", async () => {
    prometheus.fire("NodeDown", { severity: "critical" });
    const evaluator = new BlockerEvaluator({ port: noPort, clock, secretNamespace: "ns", ttlMs: 10_000 });
    const before = prometheus.requests.length;
    const first = await evaluator.evaluate("o", [alerts()]);
    expect(first.recheckInMs).toBe(10_000);
    await clock.advance(4000);
    expect((await evaluator.evaluate("o", [alerts()])).recheckInMs).toBe(6000);
    expect(prometheus.requests.length - before).toBe(1);
    await evaluator.evaluate("o", [alerts({ name: "renamed" })]);
    expect(prometheus.requests.length - before).toBe(2);
    await clock.advance(10_000);
    await evaluator.evaluate("o", [alerts({ name: "renamed" })]);
    expect(prometheus.requests.length - before).toBe(3);
  });

  it("takes a bearer token or basic auth from a Secret in its namespace; a missing Secret holds", async () => {
    const secrets: Record<string, Record<string, string>> = {
      "ns/prom-token": { token: Buffer.from("s3cret").toString("base64") },
      "ns/prom-basic": {
        username: Buffer.from("op").toString("base64"),
        password: Buffer.from("pw").toString("base64"),
      },
    };
    const port = {
      get: (_type: unknown, name: string, namespace?: string) => {
        const data = secrets[`${namespace ?? ""}/${name}`];
        return Promise.resolve(data ? { metadata: { name, namespace }, data } : undefined);
      },
    } as unknown as KubePort;
    const evaluator = new BlockerEvaluator({ port, clock, secretNamespace: "ns", ttlMs: 0 });
    const withSecret = (secret: string): Blocker =>
      alerts({ prometheus: { url, timeout: "2s", credentialsSecret: secret } });
    prometheus.fire("NodeDown", { severity: "critical" });
    try {
      prometheus.requireAuthorization = "Bearer s3cret";
      expect((await evaluator.evaluate("o", [withSecret("prom-token")])).holding[0]?.message).toBe(
        "alert(s) firing: NodeDown",
      );
      prometheus.requireAuthorization = `Basic ${Buffer.from("op:pw").toString("base64")}`;
      expect((await evaluator.evaluate("o", [withSecret("prom-basic")])).holding[0]?.message).toBe(
        "alert(s) firing: NodeDown",
      );
      expect((await evaluator.evaluate("o", [withSecret("prom-token")])).holding[0]?.message).toContain("HTTP 401");
      expect((await evaluator.evaluate("o", [withSecret("absent")])).holding[0]?.message).toBe(
        "cannot be evaluated: Secret ns/absent not found",
      );
    } finally {
      prometheus.requireAuthorization = undefined;
    }
  });
});
