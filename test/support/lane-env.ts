/** The environment through which the real lane's globalSetup tells the test files where the server is. */
export const EXTERNAL_KUBECONFIG_ENV = "RKE2_LIFECYCLE_TEST_KUBECONFIG";
/** The operator's identity on the real lane (a ServiceAccount token bound by the chart's RBAC). */
export const OPERATOR_KUBECONFIG_ENV = "RKE2_LIFECYCLE_TEST_OPERATOR_KUBECONFIG";
/** The real lane's kube-apiserver audit log. */
export const AUDIT_LOG_ENV = "RKE2_LIFECYCLE_TEST_AUDIT_LOG";
/** The real lane's etcd client URL. */
export const ETCD_URL_ENV = "RKE2_LIFECYCLE_TEST_ETCD_URL";

/** The chart's operator ServiceAccount: the identity the real lane gives the operator. */
export const OPERATOR_SERVICE_ACCOUNT = { namespace: "rke2-lifecycle-system", name: "rke2-lifecycle-operator" };

export function externalKubeconfig(): string | undefined {
  const path = process.env[EXTERNAL_KUBECONFIG_ENV];
  return path ? path : undefined;
}

/** True on the real lane. */
export function onRealServer(): boolean {
  return externalKubeconfig() !== undefined;
}
