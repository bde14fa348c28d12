/** The operator's own configuration: the `operator` subcommand's flags and env, validated. */
import { readFileSync } from "node:fs";
import { parseFlags, type Env, type FlagSpecs, type FlagValues } from "./flags.ts";

const DNS_LABEL = {
  pattern: /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  expected: "a DNS-1123 label (a-z, 0-9, '-', at most 63)",
};
const DNS_SUBDOMAIN = {
  pattern: /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  expected: "a DNS-1123 subdomain (a-z, 0-9, '-', '.')",
};

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export const DEFAULT_NAMESPACE = "rke2-lifecycle-system";
/** The operator image also carries the node-agent; the chart sets the real tag. */
export const DEFAULT_NODE_AGENT_IMAGE = "ghcr.io/rke2-lifecycle/rke2-lifecycle-operator:0.1.0";
export const SERVICE_ACCOUNT_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export const OPERATOR_FLAGS = {
  kubeconfig: {
    type: "string",
    description: "kubeconfig file(s) to use instead of the pod's service account",
    alsoEnv: ["KUBECONFIG"],
  },
  inCluster: { type: "boolean", default: false, description: "use the pod's service account" },
  namespace: {
    type: "string",
    check: DNS_LABEL,
    description: `the operator's namespace (default: the service account's, else ${DEFAULT_NAMESPACE})`,
  },
  jobsNamespace: {
    type: "string",
    check: DNS_LABEL,
    default: "rke2-lifecycle-jobs",
    description: "namespace of the node Jobs",
  },
  listenPort: {
    type: "integer",
    min: 0,
    max: 65535,
    default: 8080,
    description: "port of /metrics, /healthz and /readyz (0: any free port)",
  },
  leaderElect: { type: "boolean", default: true, description: "elect one active replica through a Lease" },
  leaseName: {
    type: "string",
    check: DNS_SUBDOMAIN,
    default: "rke2-lifecycle-operator",
    description: "name of the leader Lease",
  },
  leaseDurationSeconds: {
    type: "integer",
    min: 2,
    max: 600,
    default: 15,
    description: "how long a standby waits on a Lease that is not renewed",
  },
  renewDeadlineSeconds: {
    type: "integer",
    min: 1,
    max: 600,
    default: 10,
    description: "the leader stops acting (and writing) when it could not renew for this long",
  },
  retryPeriodSeconds: {
    type: "integer",
    min: 1,
    max: 600,
    default: 2,
    description: "time between renewals and acquire attempts",
  },
  logLevel: { type: "choice", choices: LOG_LEVELS, default: "info", description: "log level" },
  workers: { type: "integer", min: 1, max: 64, default: 2, description: "concurrent reconciles per controller" },
  nodeAgentImage: {
    type: "string",
    check: { pattern: /^\S+$/, expected: "an image reference" },
    default: DEFAULT_NODE_AGENT_IMAGE,
    description: "image of the node-agent in node Jobs",
  },
  rke2DataDir: {
    type: "string",
    check: { pattern: /^\/\S*$/, expected: "an absolute path" },
    default: "/var/lib/rancher/rke2",
    description: "RKE2's data-dir on the nodes, where a node's rke2.io/node-args name none (the inventory's mount)",
  },
} as const satisfies FlagSpecs;

export type OperatorConfig = Omit<FlagValues<typeof OPERATOR_FLAGS>, "namespace"> & { namespace: string };

export type OperatorConfigResult = { ok: true; config: OperatorConfig } | { ok: false; error: string };

function readServiceAccountNamespace(): string | undefined {
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The `operator` subcommand's configuration from its flags (argv after the subcommand) and env. */
export function parseOperatorConfig(
  argv: readonly string[],
  env: Env,
  serviceAccountNamespace: () => string | undefined = readServiceAccountNamespace,
): OperatorConfigResult {
  const parsed = parseFlags(argv, env, OPERATOR_FLAGS);
  if (!parsed.ok) return parsed;
  const { values, sources } = parsed;
  if (values.inCluster && values.kubeconfig !== undefined) {
    // An ambient KUBECONFIG must not break an explicit --in-cluster; an explicit path must.
    if (sources.kubeconfig !== "KUBECONFIG") {
      return { ok: false, error: `${sources.kubeconfig}: cannot be combined with --in-cluster` };
    }
    values.kubeconfig = undefined;
  }
  // client-go's constraints: the fence must close before a standby may take over, and a renewal
  // round must have room for more than one try.
  if (values.leaseDurationSeconds <= values.renewDeadlineSeconds) {
    return { ok: false, error: "--lease-duration-seconds: must be greater than --renew-deadline-seconds" };
  }
  if (values.renewDeadlineSeconds <= 1.2 * values.retryPeriodSeconds) {
    return { ok: false, error: "--renew-deadline-seconds: must be greater than 1.2 x --retry-period-seconds" };
  }
  const namespace = values.namespace ?? serviceAccountNamespace() ?? DEFAULT_NAMESPACE;
  return { ok: true, config: { ...values, namespace } };
}
