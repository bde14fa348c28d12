import { describe, expect, it } from "@jest/globals";
import type { CertRotation } from "../../../src/api/certrotation.ts";
import type { Condition } from "../../../src/api/condition.ts";
import type { EtcdSnapshotPolicy } from "../../../src/api/etcdsnapshotpolicy.ts";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { groupByTier, summarizeNode, versionCounts, type NodeSummary } from "../../../src/cli/node-tiers.ts";
import { formatBytes, needsAttention, statusView, type StatusInput } from "../../../src/cli/status-view.ts";

const NOW = Date.parse("2026-12-07T12:00:00Z");
const API = "rke2-lifecycle.io/v1alpha1";

const node = (name: string, tier: NodeSummary["tier"], version: string, extra: Partial<NodeSummary> = {}) => ({
  name,
  tier,
  roles: tier === "worker" ? "worker" : tier === "etcd" ? "etcd+cp" : "cp",
  version,
  ready: true,
  cordoned: false,
  ...extra,
});

const cond = (type: string, status: Condition["status"], reason: string, message: string): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-12-07T11:00:00Z",
});

const NODES = [
  node("server-2", "etcd", "v1.31.4+rke2r1"),
  node("etcd-1", "etcd", "v1.31.4+rke2r1"),
  node("server-1", "etcd", "v1.31.4+rke2r1"),
  node("cp-1", "control-plane", "v1.31.4+rke2r1"),
  node("agent-1", "worker", "v1.31.4+rke2r1"),
  node("agent-2", "worker", "v1.30.6+rke2r1", { cordoned: true }),
  node("agent-3", "worker", "v1.30.6+rke2r1"),
];

const plan: UpgradePlan = {
  apiVersion: API,
  kind: "UpgradePlan",
  metadata: { name: "to-v1-31", generation: 1 },
  spec: { version: "v1.31.4+rke2r1" },
  status: {
    observedGeneration: 1,
    phase: "Upgrading",
    targetVersion: "v1.31.4+rke2r1",
    tier: "worker",
    progress: "5/7",
    nodes: [{ name: "agent-2", tier: "worker", phase: "Draining", attempts: 1 }],
    conditions: [
      cond("Ready", "False", "Upgrading", "upgrading"),
      cond("Progressing", "True", "Upgrading", "upgrading"),
      cond("Degraded", "False", "Upgrading", ""),
    ],
  },
};

const policy: EtcdSnapshotPolicy = {
  apiVersion: API,
  kind: "EtcdSnapshotPolicy",
  metadata: { name: "nightly", generation: 1 },
  spec: { schedule: "0 3 * * *" },
  status: {
    observedGeneration: 1,
    lastSuccessfulSnapshot: {
      name: "nightly-etcd-1-1796644800",
      node: "etcd-1",
      size: 25_165_824,
      location: "s3://backups/rke2/nightly-etcd-1-1796644800.zip",
      takenAt: "2026-12-07T03:00:05Z",
    },
    storage: { phase: "Unavailable", message: "bucket unreachable" },
    conditions: [
      cond("Ready", "False", "StorageUnreachable", "S3 bucket backups: connect ECONNREFUSED"),
      cond("StorageAvailable", "False", "StorageUnreachable", "S3 bucket backups: connect ECONNREFUSED"),
      cond("SnapshotOverdue", "False", "OnSchedule", ""),
    ],
  },
};

const rotation: CertRotation = {
  apiVersion: API,
  kind: "CertRotation",
  metadata: { name: "default", generation: 2 },
  status: {
    observedGeneration: 1,
    phase: "Idle",
    earliestExpiry: { node: "server-1", file: "server/tls/client-admin.crt", notAfter: "2026-12-27T12:00:00Z" },
    conditions: [cond("ExpiringSoon", "True", "ExpiringWarning", "server-1: client-admin.crt expires in 20d")],
  },
};

const input = (overrides: Partial<StatusInput> = {}): StatusInput => ({
  server: "https://10.0.0.1:6443",
  nodes: NODES,
  plans: [plan],
  rotations: [rotation],
  policies: [policy],
  lock: { name: "rke2-lifecycle-system/rke2-lifecycle-disruption", holder: "UpgradePlan/to-v1-31" },
  now: NOW,
  ...overrides,
});

describe("statusView", () => {
  it("puts every part on one screen", () => {
    expect(statusView(input())).toBe(
      [
        "Cluster https://10.0.0.1:6443",
        "",
        "NODES (by tier, in rollout order)",
        "  etcd           3 nodes   v1.31.4+rke2r1 x3  etcd-1 server-1 server-2",
        "  control-plane  1 node    v1.31.4+rke2r1 x1  cp-1",
        "  worker         3 nodes   v1.30.6+rke2r1 x2, v1.31.4+rke2r1 x1  agent-1 agent-2 agent-3",
        "                 out of service: agent-2 Ready,cordoned",
        "CERTIFICATES",
        "  earliest expiry 2026-12-27T12:00:00Z (in 20d) on server-1: " +
          "server/tls/client-admin.crt (certrotation/default)",
        "SNAPSHOTS",
        "  nightly: storage Unavailable; last verified nightly-etcd-1-1796644800 on etcd-1, 24.0 MiB",
        "    taken 2026-12-07T03:00:05Z (8h ago) at s3://backups/rke2/nightly-etcd-1-1796644800.zip",
        "OPERATION",
        "  upgradeplan/to-v1-31: Upgrading, to v1.31.4+rke2r1, tier worker, 5/7 upgraded; nodes: agent-2 Draining",
        "  lock rke2-lifecycle-system/rke2-lifecycle-disruption: held by UpgradePlan/to-v1-31",
        "NEEDS ATTENTION",
        "  etcdsnapshotpolicy/nightly: Ready=False StorageUnreachable: S3 bucket backups: connect ECONNREFUSED",
        "  certrotation/default: the operator has not seen the latest spec yet (generation 2)",
        "  certrotation/default: ExpiringSoon=True ExpiringWarning: server-1: client-admin.crt expires in 20d",
        "",
      ].join("\n"),
    );
  });

  it("says what is missing on an empty cluster, and when the lock cannot be read", () => {
    const text = statusView(input({ nodes: [], plans: [], rotations: [], policies: [], lock: "unreadable" }));
    expect(text).toContain("  (no nodes)\n");
    expect(text).toContain("  no CertRotation: certificates are not inventoried (docs/certificates.md)\n");
    expect(text).toContain("  no EtcdSnapshotPolicy: no snapshot is taken by the operator\n");
    expect(text).toContain(
      "  none (no upgrade or rotation in progress)\n  lock: cannot be read (no access to the Lease)\n",
    );
    expect(text).toMatch(/NEEDS ATTENTION\n {2}nothing\n$/);
  });

  it("names objects no operator reconciled, and NotReady nodes", () => {
    const fresh: UpgradePlan = { ...plan, status: undefined };
    const down = [node("etcd-1", "etcd", "v1.30.6+rke2r1", { ready: false })];
    const text = statusView(input({ nodes: down, plans: [fresh], rotations: [], policies: [] }));
    expect(text).toContain(
      "  node/etcd-1: NotReady\n  upgradeplan/to-v1-31: not reconciled yet (is the operator running?)\n",
    );
    expect(text).toContain("out of service: etcd-1 NotReady");
  });

  it("names at most eight nodes per tier", () => {
    const many = Array.from({ length: 12 }, (_, i) => node(`agent-${String(i).padStart(2, "0")}`, "worker", "v1"));
    expect(statusView(input({ nodes: many }))).toContain("agent-07 +4 more\n");
  });
});

describe("needsAttention", () => {
  it.each([
    ["Ready", "False", "StorageUnreachable", true],
    ["Ready", "False", "Upgrading", false],
    ["Ready", "False", "DisruptionLockHeld", false],
    ["Ready", "True", "UpgradeComplete", false],
    ["Degraded", "True", "Halted", true],
    ["Degraded", "False", "Upgrading", false],
    ["AwaitingApproval", "True", "AwaitingApproval", true],
    ["AwaitingApproval", "False", "Approved", false],
    ["Blocked", "True", "BlockerHolding", true],
    ["Blocked", "False", "NoBlocker", false],
    ["Progressing", "False", "TierSoak", false],
    ["StorageAvailable", "False", "StorageUnreachable", true],
    ["RecordsAvailable", "False", "RecordsCRDMissing", true],
    ["PreflightPassed", "False", "SkewNotAllowed", true],
    ["PreflightPassed", "False", "DisruptionLockHeld", false],
    ["Ready", "False", "NodesNotReady", false],
    ["Ready", "False", "EtcdUnhealthy", true],
    ["SnapshotOverdue", "True", "Overdue", true],
    ["ExpiringSoon", "False", "NotExpiring", false],
    ["Progressing", "False", "Halted", false],
    ["Paused", "True", "Paused", false],
    ["Ready", "Unknown", "Pending", false],
  ] as const)("%s=%s (%s) → %s", (type, status, reason, expected) => {
    expect(needsAttention({ type, status, reason })).toBe(expected);
  });
});

describe("node tiers", () => {
  it("groups in rollout order and counts versions, most common first", () => {
    const groups = groupByTier(NODES);
    expect(groups.map((group) => [group.tier, group.nodes.map((n) => n.name)])).toEqual([
      ["etcd", ["etcd-1", "server-1", "server-2"]],
      ["control-plane", ["cp-1"]],
      ["worker", ["agent-1", "agent-2", "agent-3"]],
    ]);
    expect(versionCounts(NODES)).toBe("v1.31.4+rke2r1 x5, v1.30.6+rke2r1 x2");
  });

  it("reads roles, version and state from a Node", () => {
    const summary = summarizeNode({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "cp-1", labels: { "node-role.kubernetes.io/control-plane": "true" } },
      spec: { unschedulable: true },
      status: { nodeInfo: { kubeletVersion: "v1.30.6+rke2r1" }, conditions: [{ type: "Ready", status: "False" }] },
    });
    expect(summary).toEqual({
      name: "cp-1",
      tier: "control-plane",
      roles: "cp",
      version: "v1.30.6+rke2r1",
      ready: false,
      cordoned: true,
    });
  });
});

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [25_165_824, "24.0 MiB"],
    [5 * 1024 ** 3, "5.0 GiB"],
  ])("%d → %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});
