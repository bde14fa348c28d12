/**
 * Every alert of the chart carries a runbook_url into docs/operations.md, and the section it names
 * exists (anchors as GitHub renders Markdown headings: lower case, punctuation dropped, spaces to -).
 */
import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { find, RELEASE, renderChart, renderError, REPO_ROOT } from "./render.ts";

const MONITORING_APIS = ["--api-versions", "monitoring.coreos.com/v1/PrometheusRule"];
const DEFAULT_BASE = "https://github.com/rke2-lifecycle/rke2-lifecycle-operator/blob/main/docs/operations.md";

interface Rule {
  alert: string;
  annotations: Record<string, string>;
}

function rules(extra: string[] = []): Rule[] {
  const rule = find(renderChart([...MONITORING_APIS, ...extra]), "PrometheusRule", RELEASE);
  return (rule.spec as { groups: { rules: Rule[] }[] }).groups.flatMap((group) => group.rules);
}

/** GitHub's heading anchor: lower case, characters other than letters, digits, - and space dropped, spaces to -. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- ]/gu, "")
    .replace(/ /g, "-");
}

function anchors(markdown: string): Set<string> {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, "");
  return new Set([...withoutCode.matchAll(/^#{1,6} (.+)$/gm)].map(([, heading]) => anchorOf(heading ?? "")));
}

describe("runbook_url", () => {
  const operations = anchors(readFileSync(join(REPO_ROOT, "docs/operations.md"), "utf8"));

  it("is on every alert and points at a section of docs/operations.md that exists", () => {
    const all = rules();
    expect(all.length).toBeGreaterThan(0);
    for (const rule of all) {
      const url = rule.annotations.runbook_url ?? "";
      expect([rule.alert, url]).toEqual([rule.alert, `${DEFAULT_BASE}#${rule.alert.toLowerCase()}`]);
      const anchor = url.slice(url.indexOf("#") + 1);
      expect([rule.alert, operations.has(anchor)]).toEqual([rule.alert, true]);
    }
  });

  it("follows metrics.prometheusRule.runbookBaseURL, which must be an address without a fragment", () => {
    const base = "https://git.example.com/platform/rke2-lifecycle-operator/-/blob/v0.1.0/docs/operations.md";
    const urls = rules(["--set", `metrics.prometheusRule.runbookBaseURL=${base}`]).map(
      (r) => r.annotations.runbook_url,
    );
    expect(urls.every((url) => url?.startsWith(`${base}#rke2`))).toBe(true);
    expect(renderError([...MONITORING_APIS, "--set", "metrics.prometheusRule.runbookBaseURL=docs#x"])).toContain(
      "runbookBaseURL",
    );
  });

  it("finds anchors the way GitHub makes them", () => {
    expect(anchorOf("Who is leading, who holds the lock")).toBe("who-is-leading-who-holds-the-lock");
    expect(anchorOf("RKE2EtcdSnapshotOverdue")).toBe("rke2etcdsnapshotoverdue");
    expect(anchors("# A\n```sh\n# not a heading\n```\n## B c\n")).toEqual(new Set(["a", "b-c"]));
  });
});
