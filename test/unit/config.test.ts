import { describe, expect, it } from "@jest/globals";
import { DEFAULT_NODE_AGENT_IMAGE, parseOperatorConfig, type OperatorConfig } from "../../src/config.ts";

const noServiceAccount = (): undefined => undefined;

function config(argv: string[], env: Record<string, string | undefined> = {}): OperatorConfig {
  const result = parseOperatorConfig(argv, env, noServiceAccount);
  if (!result.ok) throw new Error(result.error);
  return result.config;
}

function error(argv: string[], env: Record<string, string | undefined> = {}): string {
  const result = parseOperatorConfig(argv, env, noServiceAccount);
  if (result.ok) throw new Error("expected an error");
  return result.error;
}

describe("parseOperatorConfig", () => {
  it("has defaults for everything", () => {
    expect(config([])).toEqual({
      kubeconfig: undefined,
      inCluster: false,
      namespace: "rke2-lifecycle-system",
      jobsNamespace: "rke2-lifecycle-jobs",
      listenPort: 8080,
      leaderElect: true,
      leaseName: "rke2-lifecycle-operator",
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
      logLevel: "info",
      workers: 2,
      nodeAgentImage: DEFAULT_NODE_AGENT_IMAGE,
      rke2DataDir: "/var/lib/rancher/rke2",
    });
  });

  it("takes the namespace from the service account when not given", () => {
    const result = parseOperatorConfig([], {}, () => "ops");
    expect(result.ok && result.config.namespace).toBe("ops");
    const flagged = parseOperatorConfig(["--namespace", "mine"], {}, () => "ops");
    expect(flagged.ok && flagged.config.namespace).toBe("mine");
  });

  it.each([
    { name: "flag", argv: ["--workers", "5"], env: {}, key: "workers", value: 5 },
    { name: "flag=value", argv: ["--workers=6"], env: {}, key: "workers", value: 6 },
    { name: "env", argv: [], env: { RKE2_LIFECYCLE_WORKERS: "7" }, key: "workers", value: 7 },
    {
      name: "flag beats env",
      argv: ["--workers", "3"],
      env: { RKE2_LIFECYCLE_WORKERS: "7" },
      key: "workers",
      value: 3,
    },
    { name: "empty env is unset", argv: [], env: { RKE2_LIFECYCLE_WORKERS: "" }, key: "workers", value: 2 },
    { name: "negated boolean flag", argv: ["--no-leader-elect"], env: {}, key: "leaderElect", value: false },
    { name: "boolean flag=false", argv: ["--leader-elect=false"], env: {}, key: "leaderElect", value: false },
    { name: "boolean flag=False", argv: ["--leader-elect=False"], env: {}, key: "leaderElect", value: false },
    { name: "boolean flag=true", argv: ["--in-cluster=true"], env: {}, key: "inCluster", value: true },
    {
      name: "boolean flag=true beats env",
      argv: ["--leader-elect=true"],
      env: { RKE2_LIFECYCLE_LEADER_ELECT: "false" },
      key: "leaderElect",
      value: true,
    },
    { name: "boolean env", argv: [], env: { RKE2_LIFECYCLE_LEADER_ELECT: "false" }, key: "leaderElect", value: false },
    {
      name: "boolean flag beats env",
      argv: ["--leader-elect"],
      env: { RKE2_LIFECYCLE_LEADER_ELECT: "false" },
      key: "leaderElect",
      value: true,
    },
    { name: "KUBECONFIG", argv: [], env: { KUBECONFIG: "/k/a:/k/b" }, key: "kubeconfig", value: "/k/a:/k/b" },
    {
      name: "own env beats KUBECONFIG",
      argv: [],
      env: { KUBECONFIG: "/k/a", RKE2_LIFECYCLE_KUBECONFIG: "/k/mine" },
      key: "kubeconfig",
      value: "/k/mine",
    },
    {
      name: "--in-cluster ignores an ambient KUBECONFIG",
      argv: ["--in-cluster"],
      env: { KUBECONFIG: "/k/a" },
      key: "kubeconfig",
      value: undefined,
    },
    { name: "log level", argv: ["--log-level", "debug"], env: {}, key: "logLevel", value: "debug" },
    { name: "listen port", argv: ["--listen-port", "9443"], env: {}, key: "listenPort", value: 9443 },
    { name: "jobs namespace", argv: ["--jobs-namespace", "jobs"], env: {}, key: "jobsNamespace", value: "jobs" },
    { name: "lease name", argv: ["--lease-name", "a.b-c"], env: {}, key: "leaseName", value: "a.b-c" },
    {
      name: "lease timing",
      argv: ["--lease-duration-seconds", "4", "--renew-deadline-seconds", "3", "--retry-period-seconds", "1"],
      env: {},
      key: "renewDeadlineSeconds",
      value: 3,
    },
    {
      name: "image",
      argv: ["--node-agent-image", "reg:5000/x/y@sha256:ab"],
      env: {},
      key: "nodeAgentImage",
      value: "reg:5000/x/y@sha256:ab",
    },
    { name: "data dir", argv: ["--rke2-data-dir=/opt/rke2"], env: {}, key: "rke2DataDir", value: "/opt/rke2" },
  ])("$name", ({ argv, env, key, value }) => {
    expect(config(argv, env)[key as keyof OperatorConfig]).toEqual(value);
  });

  it.each([
    { argv: ["--listen-port", "abc"], env: {}, expected: '--listen-port: expected an integer 0-65535, got "abc"' },
    { argv: ["--listen-port", "65536"], env: {}, expected: '--listen-port: expected an integer 0-65535, got "65536"' },
    { argv: ["--workers", "1.5"], env: {}, expected: '--workers: expected an integer 1-64, got "1.5"' },
    {
      argv: [],
      env: { RKE2_LIFECYCLE_WORKERS: "many" },
      expected: 'RKE2_LIFECYCLE_WORKERS: expected an integer 1-64, got "many"',
    },
    {
      argv: ["--log-level", "loud"],
      env: {},
      expected: '--log-level: expected one of trace, debug, info, warn, error, fatal, got "loud"',
    },
    {
      argv: [],
      env: { RKE2_LIFECYCLE_LEADER_ELECT: "maybe" },
      expected: 'RKE2_LIFECYCLE_LEADER_ELECT: expected true or false, got "maybe"',
    },
    {
      argv: ["--namespace", "Bad_NS"],
      env: {},
      expected: expect.stringMatching(/^--namespace: expected a DNS-1123 label .*, got "Bad_NS"$/),
    },
    { argv: ["--lease-name", "-x"], env: {}, expected: expect.stringMatching(/^--lease-name: expected a value/) },
    {
      argv: ["--renew-deadline-seconds", "15"],
      env: {},
      expected: "--lease-duration-seconds: must be greater than --renew-deadline-seconds",
    },
    {
      argv: ["--retry-period-seconds", "9"],
      env: {},
      expected: "--renew-deadline-seconds: must be greater than 1.2 x --retry-period-seconds",
    },
    {
      argv: ["--lease-name=UP"],
      env: {},
      expected: expect.stringMatching(/^--lease-name: expected a DNS-1123 subdomain/),
    },
    {
      argv: ["--node-agent-image", "a b"],
      env: {},
      expected: '--node-agent-image: expected an image reference, got "a b"',
    },
    {
      argv: ["--jobs-namespace", ""],
      env: {},
      expected: expect.stringMatching(/^--jobs-namespace: expected a DNS-1123 label/),
    },
    { argv: ["--bogus"], env: {}, expected: "--bogus: unknown flag" },
    {
      argv: ["--workers"],
      env: {},
      expected: '--workers: expected a value (use --workers=VALUE for values starting with "-")',
    },
    { argv: ["--leader-elect=maybe"], env: {}, expected: '--leader-elect: expected true or false, got "maybe"' },
    { argv: ["--leader-elect="], env: {}, expected: '--leader-elect: expected true or false, got ""' },
    {
      argv: ["--no-leader-elect=true"],
      env: {},
      expected: "--no-leader-elect: takes no value (use --no-leader-elect or --leader-elect=false)",
    },
    { argv: ["extra"], env: {}, expected: "unexpected argument extra" },
    {
      argv: ["--in-cluster", "--kubeconfig", "/k"],
      env: {},
      expected: "--kubeconfig: cannot be combined with --in-cluster",
    },
  ])("$argv $env → $expected", ({ argv, env, expected }) => {
    const message = error(argv, env);
    expect(message).toEqual(expected);
    expect(message).not.toContain("\n");
  });
});
