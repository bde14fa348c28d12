import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { parseOperatorConfig } from "../../../src/config.ts";
import {
  CHART_DIR,
  find,
  helmError,
  RELEASE,
  RELEASE_NAMESPACE,
  renderChart,
  renderError,
  renderNotes,
  type Manifest,
} from "./render.ts";

interface JsonSchema {
  $ref?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  definitions?: Record<string, JsonSchema>;
}

interface OperatorContainer {
  image: string;
  args: string[];
  env: { name: string; value?: string }[];
}

interface OperatorWorkload {
  template: { spec: OperatorPod };
}

interface OperatorPod {
  containers: OperatorContainer[];
  tolerations?: unknown[];
  affinity?: { nodeAffinity?: unknown; podAntiAffinity?: unknown };
}

const schema = JSON.parse(readFileSync(join(CHART_DIR, "values.schema.json"), "utf8")) as JsonSchema;
const values = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, unknown>;
const podOf = (manifests: Manifest[]): OperatorPod =>
  (find(manifests, "Deployment", RELEASE).spec as OperatorWorkload).template.spec;
const operatorOf = (manifests: Manifest[]): OperatorContainer => podOf(manifests).containers[0]!;
const lint = (extra: string[]): string => helmError(["lint", "--strict", CHART_DIR, ...extra]);

function resolve(node: JsonSchema): JsonSchema {
  const name = node.$ref?.replace("#/definitions/", "");
  return name === undefined ? node : resolve(schema.definitions?.[name] ?? {});
}

/** Keys of values.yaml (dotted) that the schema does not name, down to the maps it types as a whole. */
function undescribed(value: unknown, node: JsonSchema, prefix: string): string[] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
  const resolved = resolve(node);
  if (resolved.properties === undefined) return typeof resolved.additionalProperties === "object" ? [] : [prefix];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const childSchema = resolved.properties?.[key];
    return childSchema === undefined ? [path] : undescribed(child, childSchema, path);
  });
}

describe("values.schema.json", () => {
  it("names every key of values.yaml; the values of values.yaml, deploy/rke2 and deploy/argocd pass it", () => {
    expect(undescribed(values, schema, "")).toEqual([]);
    expect(lint([])).toBe("");
    expect(lint(["--values", join(CHART_DIR, "../../deploy/rke2/values.yaml")])).toBe("");
    const application = parse(readFileSync(join(CHART_DIR, "../../deploy/argocd/application.yaml"), "utf8")) as {
      spec: { source: { helm: { valuesObject: Record<string, unknown> } } };
    };
    const argoValues = Object.entries(application.spec.source.helm.valuesObject);
    expect(argoValues.length).toBeGreaterThan(0);
    expect(lint(argoValues.flatMap(([key, value]) => ["--set-json", `${key}=${JSON.stringify(value)}`]))).toBe("");
  });

  it("makes helm lint fail on a wrong type: --set operator.replicas=two", () => {
    expect(lint(["--set", "operator.replicas=two"])).toContain("at '/operator/replicas': got string, want integer");
    expect(lint(["--set", "operator.replicas=3"])).toBe("");
  });

  it("refuses unknown keys, at the top and nested, in lint, template and install", () => {
    expect(lint(["--set", "operator.replica=2"])).toContain("additional properties 'replica' not allowed");
    expect(renderError(["--set", "imagePullSecret=regcred"])).toContain("properties 'imagePullSecret' not allowed");
    expect(renderError(["--set", "metrics.serviceMonitor.intervall=1m"])).toContain("'intervall' not allowed");
    const dryRun = ["install", RELEASE, CHART_DIR, "-n", RELEASE_NAMESPACE, "--dry-run=client"];
    const install = helmError([...dryRun, "--set", "rke2.datadir=/x"]);
    expect(install).toContain("additional properties 'datadir' not allowed");
  });

  it("refuses values of the right type the chart cannot use", () => {
    const refusals: [string, string][] = [
      ["operator.logLevel=verbose", "/operator/logLevel"],
      ["operator.workers=0", "/operator/workers"],
      ["certInventory.enabled=maybe", "/certInventory/enabled"],
      ["metrics.serviceMonitor.enabled=yes", "/metrics/serviceMonitor/enabled"],
      ["rke2.dataDir=opt/rke2", "/rke2/dataDir"],
      ["image.digest=sha256:abc", "/image/digest"],
      ["image.repository=registry.example.com/rke2-lifecycle-operator:0.1.0", "/image/repository"],
      ["image.pullPolicy=always", "/image/pullPolicy"],
      ["jobs.namespace=Jobs_NS", "/jobs/namespace"],
      ["operator.tolerations[0].effect=NoSchedul", "/operator/tolerations/0/effect"],
      ["operator.extraArgs[0]=log-level=debug", "/operator/extraArgs/0"],
      ["operator.extraEnv[0].name=HOSTNAME", "/operator/extraEnv/0/name"],
    ];
    for (const [setting, path] of refusals) {
      expect([setting, renderError(["--set", setting])]).toEqual([setting, expect.stringContaining(`at '${path}'`)]);
    }
  });
});

describe("PodDisruptionBudget", () => {
  it("keeps one of the 2 default replicas up through drains, selecting exactly the operator's pods", () => {
    const rendered = renderChart();
    type Selected = { selector: { matchLabels: object } };
    const budget = find(rendered, "PodDisruptionBudget", RELEASE).spec as Selected & { minAvailable: number };
    const deployment = find(rendered, "Deployment", RELEASE).spec as Selected;
    expect(budget).toEqual({ minAvailable: 1, selector: { matchLabels: deployment.selector.matchLabels } });
  });

  it("is left out with one replica, where it would block every drain of that node", () => {
    const single = renderChart(["--set", "operator.replicas=1"]);
    expect(single.filter((m) => m.kind === "PodDisruptionBudget")).toEqual([]);
  });
});

describe("scheduling of the operator pods", () => {
  const pod = podOf(renderChart());

  it("tolerates the taints RKE2 documents for servers, and prefers control-plane nodes", () => {
    expect(pod.tolerations).toEqual([
      { key: "CriticalAddonsOnly", operator: "Exists" },
      { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
    ]);
    expect(pod.affinity?.nodeAffinity).toEqual({
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 100,
          preference: { matchExpressions: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists" }] },
        },
      ],
    });
    expect(pod.affinity?.podAntiAffinity).toBeDefined();
  });

  it("takes other tolerations and affinity from the values", () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } };
    const affinityJson = `operator.affinity=${JSON.stringify(affinity)}`;
    const custom = podOf(renderChart(["--set-json", "operator.tolerations=[]", "--set-json", affinityJson]));
    expect(custom.tolerations).toBeUndefined();
    expect(custom.affinity).toEqual(affinity);
  });
});

describe("image.digest, extraArgs and extraEnv", () => {
  const digest = `sha256:${"0123456789abcdef".repeat(4)}`;

  it("pins every pod and the node Jobs to repository@digest", () => {
    const rendered = renderChart(["--set", `image.digest=${digest}`, "--set", "image.tag=9.9.9"]);
    const image = `ghcr.io/rke2-lifecycle/rke2-lifecycle-operator@${digest}`;
    const inventory = find(rendered, "DaemonSet", `${RELEASE}-cert-inventory`).spec as OperatorWorkload;
    expect(operatorOf(rendered).image).toBe(image);
    expect(inventory.template.spec.containers[0]?.image).toBe(image);
    const argv = operatorOf(rendered)
      .args.slice(1)
      .map((arg) => arg.replace("$(POD_NAMESPACE)", RELEASE_NAMESPACE));
    const parsed = parseOperatorConfig(argv, {}, () => undefined);
    expect(parsed.ok && parsed.config.nodeAgentImage).toBe(image);
  });

  it("appends extraArgs after the chart's flags, where they win, and extraEnv after the chart's variables", () => {
    const rendered = renderChart([
      "--set",
      "operator.extraArgs={--log-level=debug}",
      "--set",
      "operator.extraEnv[0].name=NODE_OPTIONS",
      "--set",
      "operator.extraEnv[0].value=--max-old-space-size=256",
    ]);
    const container = operatorOf(rendered);
    expect(container.args.at(-1)).toBe("--log-level=debug");
    const argv = container.args.slice(1).map((arg) => arg.replace("$(POD_NAMESPACE)", RELEASE_NAMESPACE));
    const parsed = parseOperatorConfig(argv, {}, () => undefined);
    expect(parsed.ok && parsed.config.logLevel).toBe("debug");
    expect(container.env.map((e) => e.name)).toEqual(["POD_NAMESPACE", "HOSTNAME", "NODE_OPTIONS"]);
    expect(container.env.at(-1)?.value).toBe("--max-old-space-size=256");
  });
});

describe("NOTES.txt", () => {
  it("warns while image.repository is the placeholder, and not once it is set", () => {
    expect(renderNotes()).toContain("WARNING: image.repository is the placeholder");
    const notes = renderNotes(["--set", "image.repository=registry.example.com/platform/rke2-lifecycle-operator"]);
    expect(notes).not.toContain("WARNING");
    expect(notes).toContain(`is installed in ${RELEASE_NAMESPACE}`);
  });
});

describe("the operator's resources", () => {
  it("are the 'chart default' row of docs/operations.md Sizing", () => {
    const sizing = readFileSync(join(CHART_DIR, "../../docs/operations.md"), "utf8");
    const row = sizing.split("\n").find((line) => line.includes("(chart default)")) ?? "";
    const [request, limit] = row
      .split("|")
      .map((cell) => cell.trim())
      .slice(-3, -1);
    const deployment = find(renderChart(), "Deployment", RELEASE) as unknown as {
      spec: { template: { spec: { containers: { resources: { requests: object; limits: object } }[] } } };
    };
    const resources = deployment.spec.template.spec.containers[0]?.resources;
    expect(resources?.requests).toMatchObject({ memory: request });
    expect(resources?.limits).toMatchObject({ memory: limit });
    expect(request).toMatch(/^\d+Mi$/);
  });
});
