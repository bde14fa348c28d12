import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { crdDrift, operatorCrds } from "../../../src/api/crd-files.ts";
import { parseOperatorConfig } from "../../../src/config.ts";
import { buildNodeJob } from "../../../src/nodeops/job.ts";
import type { PolicyRule, RbacObject } from "../../support/rbac.ts";
import { podSecurityViolations, type PodSpec } from "./pod-security.ts";
import {
  CHART_DIR,
  find,
  helm,
  identities,
  JOBS_NAMESPACE,
  RELEASE,
  RELEASE_NAMESPACE,
  renderChart,
  renderError,
  type Manifest,
} from "./render.ts";

const rendered = renderChart();
const podSpecOf = (workload: Manifest): PodSpec => (workload.spec as { template: { spec: PodSpec } }).template.spec;
const rulesOf = (m: Manifest): PolicyRule[] => (m as unknown as RbacObject).rules ?? [];
const CLUSTER_SCOPED = ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding"];

describe("helm lint and template", () => {
  it("lints clean in strict mode", () => {
    expect(helm(["lint", "--strict", CHART_DIR])).toContain("0 chart(s) failed");
  });

  it("renders the default object set", () => {
    expect(identities(rendered)).toEqual([
      "ClusterRole /rke2-lifecycle-operator",
      "ClusterRole /rke2-lifecycle-operator-cert-inventory",
      "ClusterRoleBinding /rke2-lifecycle-operator",
      "ClusterRoleBinding /rke2-lifecycle-operator-cert-inventory",
      "CustomResourceDefinition /certrotations.rke2-lifecycle.io",
      "CustomResourceDefinition /etcdsnapshotpolicies.rke2-lifecycle.io",
      "CustomResourceDefinition /upgradeplans.rke2-lifecycle.io",
      "DaemonSet rke2-lifecycle-jobs/rke2-lifecycle-operator-cert-inventory",
      "Deployment rke2-lifecycle-system/rke2-lifecycle-operator",
      "Namespace /rke2-lifecycle-jobs",
      "PodDisruptionBudget rke2-lifecycle-system/rke2-lifecycle-operator",
      "Role default/rke2-lifecycle-operator-events",
      "Role rke2-lifecycle-jobs/rke2-lifecycle-operator-cert-inventory",
      "Role rke2-lifecycle-jobs/rke2-lifecycle-operator-jobs",
      "Role rke2-lifecycle-system/rke2-lifecycle-operator",
      "RoleBinding default/rke2-lifecycle-operator-events",
      "RoleBinding rke2-lifecycle-jobs/rke2-lifecycle-operator-cert-inventory",
      "RoleBinding rke2-lifecycle-jobs/rke2-lifecycle-operator-jobs",
      "RoleBinding rke2-lifecycle-system/rke2-lifecycle-operator",
      "Service rke2-lifecycle-system/rke2-lifecycle-operator-metrics",
      "ServiceAccount rke2-lifecycle-jobs/rke2-lifecycle-operator-cert-inventory",
      "ServiceAccount rke2-lifecycle-system/rke2-lifecycle-operator",
    ]);
  });

  it("gives every object apiVersion, kind, name, and a namespace exactly when it is namespaced", () => {
    for (const m of rendered) {
      expect(m.apiVersion).toMatch(/\S/);
      expect(m.kind).toMatch(/\S/);
      expect(m.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
      expect([m.kind, m.metadata.namespace === undefined]).toEqual([m.kind, CLUSTER_SCOPED.includes(m.kind)]);
      expect(m.metadata.labels?.["app.kubernetes.io/instance"]).toBe(RELEASE);
    }
  });

  it("refuses settings the operator cannot run with", () => {
    expect(renderError(["--set", "operator.leaderElection.enabled=false"])).toContain(
      "needs operator.leaderElection.enabled",
    );
    expect(renderError(["--set", `jobs.namespace=${RELEASE_NAMESPACE}`])).toContain("jobs.namespace must differ");
    expect(renderError(["--set", "operator.leaderElection.enabled=false", "--set", "operator.replicas=1"])).toBe("");
  });
});

describe("the operator Deployment", () => {
  const deployment = find(rendered, "Deployment", RELEASE);
  const pod = podSpecOf(deployment);
  const container = pod.containers[0] as unknown as {
    args: string[];
    env: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    securityContext: { readOnlyRootFilesystem?: boolean };
    livenessProbe: { httpGet: { path: string } };
    readinessProbe: { httpGet: { path: string } };
    resources: { requests?: object; limits?: object };
  };

  it("passes Pod Security restricted, with a read-only root filesystem", () => {
    expect(podSecurityViolations(pod, "restricted")).toEqual([]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it("runs 2 replicas that elect a leader, with probes on /healthz and /readyz and resources", () => {
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    expect(container.args).toContain("--leader-elect");
    expect(container.livenessProbe.httpGet.path).toBe("/healthz");
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
  });

  it("passes flags the operator's own parser accepts, naming the jobs namespace and the Lease RBAC allows", () => {
    const env = { POD_NAMESPACE: RELEASE_NAMESPACE };
    const argv = container.args.slice(1).map((arg) => arg.replace("$(POD_NAMESPACE)", env.POD_NAMESPACE));
    expect(container.args[0]).toBe("operator");
    const parsed = parseOperatorConfig(argv, {}, () => undefined);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.config).toMatchObject({
      inCluster: true,
      namespace: RELEASE_NAMESPACE,
      jobsNamespace: JOBS_NAMESPACE,
      leaderElect: true,
      listenPort: 8080,
    });
    const role = find(rendered, "Role", RELEASE);
    expect(rulesOf(role).some((rule) => rule.resourceNames?.includes(parsed.config.leaseName))).toBe(true);
  });

  it("takes its Lease identity (HOSTNAME) and namespace from the pod", () => {
    const fieldOf = (name: string) => container.env.find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath;
    expect(fieldOf("HOSTNAME")).toBe("metadata.name");
    expect(fieldOf("POD_NAMESPACE")).toBe("metadata.namespace");
  });

  it("renders --no-leader-elect when leader election is off", () => {
    const single = renderChart(["--set", "operator.leaderElection.enabled=false", "--set", "operator.replicas=1"]);
    const args = (podSpecOf(find(single, "Deployment", RELEASE)).containers[0] as unknown as { args: string[] }).args;
    expect(args).toContain("--no-leader-elect");
    const argv = args.slice(1).map((arg) => arg.replace("$(POD_NAMESPACE)", RELEASE_NAMESPACE));
    const parsed = parseOperatorConfig(argv, {}, () => undefined);
    expect(parsed.ok && parsed.config.leaderElect).toBe(false);
  });
});

describe("namespaces and Pod Security", () => {
  it("labels the jobs namespace privileged, where node Jobs and the inventory need host access", () => {
    const labels = find(rendered, "Namespace", JOBS_NAMESPACE).metadata.labels ?? {};
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("privileged");
    const job = buildNodeJob({
      action: "snapshot-save",
      owner: { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "EtcdSnapshotPolicy", name: "p", uid: "u" },
      node: "n1",
      namespace: JOBS_NAMESPACE,
      image: "img",
      args: [],
      identity: "x",
      activeDeadlineSeconds: 600,
    });
    expect(podSecurityViolations(job.spec.template.spec as unknown as PodSpec, "baseline")).not.toEqual([]);
    const inventory = find(rendered, "DaemonSet", `${RELEASE}-cert-inventory`);
    expect(inventory.metadata.namespace).toBe(JOBS_NAMESPACE);
    expect(podSecurityViolations(podSpecOf(inventory), "baseline")).toEqual([
      "volume rke2-data is a hostPath",
      "pod: SELinux options",
    ]);
  });

  it("renders the operator namespace as restricted only on request", () => {
    expect(rendered.filter((m) => m.kind === "Namespace" && m.metadata.name === RELEASE_NAMESPACE)).toEqual([]);
    const ns = find(renderChart(["--set", "operatorNamespace.create=true"]), "Namespace", RELEASE_NAMESPACE);
    expect(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
  });

  it("leaves the jobs namespace to the user when asked", () => {
    expect(renderChart(["--set", "jobs.createNamespace=false"]).filter((m) => m.kind === "Namespace")).toEqual([]);
  });
});

describe("the certificate inventory DaemonSet", () => {
  const inventory = find(rendered, "DaemonSet", `${RELEASE}-cert-inventory`);
  const pod = podSpecOf(inventory) as PodSpec & {
    tolerations: unknown[];
    automountServiceAccountToken: boolean;
    serviceAccountName: string;
  };
  const container = pod.containers[0] as unknown as {
    args: string[];
    volumeMounts: { readOnly?: boolean }[];
    securityContext: Record<string, unknown>;
  };

  it("mounts the RKE2 data dir read-only, tolerates every taint and runs node-agent cert-inventory", () => {
    expect(pod.volumes).toEqual([
      { name: "rke2-data", hostPath: { path: "/var/lib/rancher/rke2", type: "Directory" } },
    ]);
    expect(container.volumeMounts).toEqual([
      { name: "rke2-data", mountPath: "/host/var/lib/rancher/rke2", readOnly: true },
    ]);
    expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    expect(container.args).toEqual(["node-agent", "cert-inventory", "--data-dir", "/var/lib/rancher/rke2"]);
  });

  // k3s decides server or agent by whether `<data-dir>/server` exists (pkg/cli/cert): a hostPath
  // that may create a folder (DirectoryOrCreate, or no type) would turn an agent into a "server".
  it("never creates a folder on the node", () => {
    for (const volume of pod.volumes ?? [])
      expect([volume.name, (volume.hostPath as { type?: string }).type]).toEqual([volume.name, "Directory"]);
  });

  it("runs as spc_t, which may read what RKE2's SELinux policy labels container_var_lib_t and rke2_tls_t", () => {
    expect((pod.securityContext as { seLinuxOptions?: unknown }).seLinuxOptions).toEqual({ type: "spc_t" });
    const plain = podSpecOf(
      find(renderChart(["--set", "certInventory.seLinuxType="]), "DaemonSet", `${RELEASE}-cert-inventory`),
    );
    expect((plain.securityContext as { seLinuxOptions?: unknown }).seLinuxOptions).toBeUndefined();
  });

  it("reads a custom RKE2 data dir, and refuses a relative one", () => {
    const custom = podSpecOf(
      find(renderChart(["--set", "rke2.dataDir=/opt/rke2"]), "DaemonSet", `${RELEASE}-cert-inventory`),
    );
    expect(custom.volumes).toEqual([{ name: "rke2-data", hostPath: { path: "/opt/rke2", type: "Directory" } }]);
    expect((custom.containers[0] as unknown as { args: string[] }).args).toEqual([
      "node-agent",
      "cert-inventory",
      "--data-dir",
      "/opt/rke2",
    ]);
    expect(renderError(["--set", "rke2.dataDir=opt/rke2"])).toContain(
      "at '/rke2/dataDir': 'opt/rke2' does not match pattern '^/'",
    );
    // The template refuses it too where the schema is skipped (`helm template --skip-schema-validation`).
    expect(renderError(["--skip-schema-validation", "--set", "rke2.dataDir=opt/rke2"])).toContain(
      "rke2.dataDir must be an absolute host path",
    );
  });

  it("mounts its ServiceAccount's token (the SA agrees) and holds no capabilities", () => {
    expect(pod.serviceAccountName).toBe(`${RELEASE}-cert-inventory`);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(find(rendered, "ServiceAccount", `${RELEASE}-cert-inventory`).automountServiceAccountToken).toBe(true);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("can be left out", () => {
    expect(
      renderChart(["--set", "certInventory.enabled=false"]).filter((m) => m.metadata.name.endsWith("cert-inventory")),
    ).toEqual([]);
  });
});

describe("CRDs", () => {
  it("keeps the chart's copy in sync with the schemas in src/api", () => {
    expect(crdDrift(join(CHART_DIR, "files/crds"))).toEqual([]);
  });

  it("renders exactly the generated CRDs, annotated to survive helm uninstall and Argo CD app deletion", () => {
    const crds = rendered.filter((m) => m.kind === "CustomResourceDefinition");
    const strip = (m: Manifest): unknown => ({ ...m, metadata: { name: m.metadata.name } });
    const generated = operatorCrds().map((crd) => parse(JSON.stringify(crd)) as Manifest);
    expect(crds.map(strip)).toEqual(expect.arrayContaining(generated.map(strip)));
    expect(crds).toHaveLength(generated.length);
    for (const crd of crds) {
      expect(crd.metadata.annotations).toEqual({
        "helm.sh/resource-policy": "keep",
        "argocd.argoproj.io/sync-options": "Delete=false",
      });
    }
  });

  it("can leave the CRDs out or let uninstall delete them", () => {
    expect(renderChart(["--set", "crds.install=false"]).filter((m) => m.kind === "CustomResourceDefinition")).toEqual(
      [],
    );
    const unkept = renderChart(["--set", "crds.keep=false"]).filter((m) => m.kind === "CustomResourceDefinition");
    expect(unkept.map((m) => m.metadata.annotations)).toEqual([undefined, undefined, undefined]);
  });
});

describe("chart README", () => {
  it("documents every value of values.yaml in its table", () => {
    const readme = readFileSync(join(CHART_DIR, "README.md"), "utf8");
    const values = parse(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")) as Record<string, unknown>;
    const leaves = (node: unknown, prefix: string): string[] =>
      node !== null &&
      typeof node === "object" &&
      !Array.isArray(node) &&
      Object.keys(node).length > 0 &&
      !prefix.endsWith("labels") &&
      !prefix.endsWith("resources")
        ? Object.entries(node).flatMap(([key, value]) => leaves(value, prefix ? `${prefix}.${key}` : key))
        : [prefix];
    const missing = leaves(values, "").filter((key) => !readme.includes(`| \`${key}\` |`));
    expect(missing).toEqual([]);
  });
});
