/**
 * Custom resources for the Argo CD health-check tests (argocd-health.test.ts): the `cond` and `cr`
 * builders, and the UpgradePlan table, the longest of the three.
 */
type Status = "True" | "False" | "Unknown";
export const cond = (type: string, status: Status, reason = "Some", message = `${type} is ${status}`) => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 3,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
export const cr = (
  kind: string,
  conditions: ReturnType<typeof cond>[],
  extra: { spec?: object; observedGeneration?: number | null; phase?: string; message?: string } = {},
) => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind,
  metadata: { name: "x", generation: 3 },
  spec: extra.spec ?? {},
  status: {
    observedGeneration: extra.observedGeneration === undefined ? 3 : extra.observedGeneration,
    ...(extra.phase ? { phase: extra.phase } : {}),
    ...(extra.message ? { message: extra.message } : {}),
    conditions,
  },
});

/** name, object, expected status, text the message contains ("" for any). */
export type Case = [string, object, string, string];

export const upgradePlanCases: Case[] = [
  [
    "no status yet",
    { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "UpgradePlan", metadata: { name: "x", generation: 1 }, spec: {} },
    "Progressing",
    "generation 1",
  ],
  [
    "an older generation observed",
    cr("UpgradePlan", [cond("Ready", "True")], { observedGeneration: 2, phase: "Succeeded" }),
    "Progressing",
    "generation 3",
  ],
  [
    "every node at target",
    cr("UpgradePlan", [cond("Ready", "True", "UpgradeComplete", "12/12 nodes"), cond("Progressing", "False")], {
      phase: "Succeeded",
      message: "all 12 selected node(s) run v1.31.4+rke2r1",
    }),
    "Healthy",
    "all 12 selected node(s)",
  ],
  [
    "upgrading",
    cr(
      "UpgradePlan",
      [cond("Ready", "False", "Upgrading"), cond("Progressing", "True", "Upgrading", "working on node-1")],
      { phase: "Upgrading", message: "upgrading node-1; 0/7 at v1.31.4+rke2r1" },
    ),
    "Progressing",
    "upgrading node-1",
  ],
  [
    "halted",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "Halted"),
        cond("Progressing", "False"),
        cond("Degraded", "True", "Halted", "failed node(s): node-2"),
      ],
      { phase: "Halted", message: "node-2: Job failed; set a new spec.failurePolicy.retry to retry" },
    ),
    "Degraded",
    "node-2: Job failed",
  ],
  [
    "an invalid spec",
    cr("UpgradePlan", [cond("Ready", "False", "InvalidSpec", "spec.version: bad")], {
      phase: "Blocked",
      message: "spec.version: bad",
    }),
    "Degraded",
    "spec.version: bad",
  ],
  [
    "a skew refusal (Blocked)",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "SkewNotAllowed"),
        cond("Degraded", "False", "AsExpected"),
        cond("PreflightPassed", "False", "SkewNotAllowed", "VersionSkew: minor skip"),
      ],
      { phase: "Blocked", message: "VersionSkew: minor skip" },
    ),
    "Degraded",
    "minor skip",
  ],
  [
    "a missing policy (Blocked)",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "SnapshotPolicyUnusable"),
        cond("SnapshotTaken", "False", "SnapshotPolicyUnusable", "EtcdSnapshotPolicy p not found"),
      ],
      { phase: "Blocked", message: "EtcdSnapshotPolicy p not found" },
    ),
    "Degraded",
    "not found",
  ],
  [
    "waiting for the snapshot storage",
    cr(
      "UpgradePlan",
      [cond("Ready", "False", "StorageUnavailable"), cond("Progressing", "False", "StorageUnavailable")],
      { phase: "Waiting", message: "storage of EtcdSnapshotPolicy s3 is unavailable: refused" },
    ),
    "Progressing",
    "storage of EtcdSnapshotPolicy s3",
  ],
  [
    "taking the snapshot",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "SnapshotInProgress"),
        cond("Progressing", "True", "SnapshotInProgress", "taking the pre-upgrade snapshot"),
      ],
      { phase: "Upgrading", message: "pre-upgrade snapshot running on etcd-1" },
    ),
    "Progressing",
    "pre-upgrade snapshot",
  ],
  [
    "paused",
    cr("UpgradePlan", [cond("Ready", "False", "Paused"), cond("Paused", "True", "Paused", "paused by spec")], {
      phase: "Paused",
      message: "spec.paused is true: no node starts",
    }),
    "Suspended",
    "spec.paused",
  ],
  [
    "waiting for its window",
    cr("UpgradePlan", [cond("Ready", "False", "WaitingForWindow"), cond("Progressing", "False", "WaitingForWindow")], {
      phase: "Waiting",
      message: "outside the maintenance window; it opens at 2026-01-02T01:00:00Z",
    }),
    "Suspended",
    "it opens at 2026-01-02T01:00:00Z",
  ],
  [
    "only Ready=Unknown, no phase",
    cr("UpgradePlan", [cond("Ready", "Unknown", "Pending", "")]),
    "Progressing",
    "Waiting for the operator",
  ],
  [
    "waiting for approval of the worker tier",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "AwaitingApproval"),
        cond("Progressing", "False", "AwaitingApproval", "the worker tier waits for approval"),
        cond(
          "AwaitingApproval",
          "True",
          "AwaitingApproval",
          "the worker tier waits for approval: add worker to spec.approval.approved",
        ),
      ],
      { phase: "Waiting", message: "the worker tier waits for approval" },
    ),
    "Suspended",
    "add worker to spec.approval.approved",
  ],
  [
    "approved, upgrading",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "Upgrading"),
        cond("Progressing", "True", "Upgrading", "worker tier"),
        cond("AwaitingApproval", "False", "Approved"),
      ],
      { phase: "Upgrading", message: "upgrading agent-1; 4/7 at v1.31.4+rke2r1" },
    ),
    "Progressing",
    "upgrading agent-1",
  ],
  [
    "blocked by an alert",
    cr(
      "UpgradePlan",
      [
        cond("Ready", "False", "BlockerHolding"),
        cond("Progressing", "False", "BlockerHolding", "blocked by critical-alerts"),
        cond("Blocked", "True", "BlockerHolding", "blocked by critical-alerts"),
      ],
      { phase: "Waiting", message: "blocked by critical-alerts" },
    ),
    "Progressing",
    "blocked by critical-alerts",
  ],
];
