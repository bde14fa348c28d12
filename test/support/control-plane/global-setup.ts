/**
 * Jest globalSetup of the real lane (`npm run test:real`): one control plane for the whole run,
 * with what every file needs set up once: the namespaces, the CRDs (established), and the Helm
 * chart's ServiceAccount and RBAC, rendered with stock helm and applied with stock kubectl. The
 * test files find the server through the environment (sim-harness.ts); each file's withSim()
 * empties the cluster first (reset.ts).
 */
import { execFileSync } from "node:child_process";
import { operatorCrds } from "../../../src/api/crd-files.ts";
import { etcdSnapshotFileCrd } from "../../../src/api/etcdsnapshotfile.ts";
import { SIM_NAMESPACES } from "../../../src/sim/index.ts";
import { renderChart } from "../../unit/charts/render.ts";
import { AUDIT_LOG_ENV, ETCD_URL_ENV, EXTERNAL_KUBECONFIG_ENV, OPERATOR_KUBECONFIG_ENV } from "../lane-env.ts";
import { toolPath } from "../tools.ts";
import { startControlPlane, type RunningControlPlane } from "./index.ts";

const RBAC_KINDS = ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];

declare global {
  var rke2LifecycleControlPlane: RunningControlPlane | undefined;
}

function kubectl(kubeconfig: string, args: string[], input?: string): string {
  return execFileSync(toolPath("kubectl"), ["--kubeconfig", kubeconfig, ...args], {
    encoding: "utf8",
    stdio: "pipe",
    ...(input !== undefined ? { input } : {}),
  });
}

export default async function globalSetup(): Promise<void> {
  const plane = await startControlPlane();
  if (!plane)
    throw new Error("no control-plane assets: set RKE2_LIFECYCLE_K8S_ASSETS, or put shared/k8s beside the repository");
  globalThis.rke2LifecycleControlPlane = plane;
  const { adminKubeconfig, operatorKubeconfig, auditLog, server, etcdUrl } = plane.info;
  process.env[EXTERNAL_KUBECONFIG_ENV] = adminKubeconfig;
  process.env[OPERATOR_KUBECONFIG_ENV] = operatorKubeconfig;
  process.env[AUDIT_LOG_ENV] = auditLog;
  process.env[ETCD_URL_ENV] = etcdUrl;

  const namespaces = SIM_NAMESPACES.map((ns) => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns.name, ...(ns.labels ? { labels: ns.labels } : {}) },
  }));
  const crds = [etcdSnapshotFileCrd, ...operatorCrds()];
  const rbac = renderChart().filter((manifest) => RBAC_KINDS.includes(manifest.kind));
  const list = (items: unknown[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });
  kubectl(adminKubeconfig, ["apply", "-f", "-"], list([...namespaces, ...crds]));
  kubectl(adminKubeconfig, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
  kubectl(adminKubeconfig, ["apply", "-f", "-"], list(rbac));
  process.stdout.write(
    `\nreal control plane: kube-apiserver v1.23.16 at ${server}, operator as ${plane.info.operatorUser}\n`,
  );
}
