import { z } from "zod";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import {
  concurrency,
  drainSpec,
  HealthGateSchema,
  JobTemplateSchema,
  LabelSelectorSchema,
  WindowSchema,
} from "./common.ts";
import { conditionsField } from "./condition.ts";
import { duration } from "./duration.ts";
import { boundedString, objectName, timestamp } from "./fields.ts";
import { AGE_COLUMN, GROUP_VERSION, MESSAGE_COLUMN, READY_COLUMN } from "./group.ts";
import { parseWith, type ParseResult } from "./parse-result.ts";
import { estimatedCompletionField, ETA_COLUMN, previewField } from "./preview.ts";
import { ApprovalSchema, BlockersSchema, TierSoakStatusSchema } from "./rollout-gates.ts";
import type { CrdSource } from "./crd.ts";

export const upgradePlanResource: ResourceType = {
  apiVersion: GROUP_VERSION,
  kind: "UpgradePlan",
  plural: "upgradeplans",
  namespaced: false,
};

/** `v1.31.4+rke2r1`, release candidates (`v1.31.4-rc1+rke2r1`) included. */
export const RKE2_VERSION_PATTERN = "^v[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.]+)?\\+rke2r[0-9]+$";
export const DEFAULT_UPGRADE_IMAGE = "rancher/rke2-upgrade";
export const MAX_STATUS_NODES = 100;
const EXACTLY_ONE_TARGET = "exactly one of version or channel must be set";

export const UpgradePlanSpecSchema = z
  .object({
    version: z
      .string()
      .max(64)
      .regex(new RegExp(RKE2_VERSION_PATTERN), "must be an RKE2 version such as v1.31.4+rke2r1")
      .optional()
      .describe("Target RKE2 version, e.g. v1.31.4+rke2r1. Exactly one of version and channel."),
    channel: z
      .string()
      .max(512)
      .regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL")
      .optional()
      .describe(
        "Channel URL (e.g. https://update.rke2.io/v1-release/channels/stable) resolved to status.targetVersion.",
      ),
    nodeSelector: LabelSelectorSchema.optional().describe(
      "Nodes to upgrade; empty selects every Linux node (Windows agents are never upgraded).",
    ),
    paused: z.boolean().default(false).describe("Start no new node; nodes in progress finish."),
    window: WindowSchema.optional(),
    snapshot: z
      .object({
        policyRef: objectName(
          "EtcdSnapshotPolicy whose storage settings the pre-upgrade snapshot uses; " +
            "absent: a local snapshot on one etcd member.",
        ).optional(),
        required: z.boolean().default(true).describe("Touch no node before a pre-upgrade snapshot succeeded."),
        maxAge: duration(
          "A snapshot of policyRef younger than this may stand in; " +
            "absent always takes a fresh pre-upgrade-<plan> snapshot.",
        ).optional(),
      })
      .prefault({})
      .describe("The etcd snapshot taken before the first node is touched."),
    skew: z
      .object({
        allowMinorSkip: z
          .boolean()
          .default(false)
          .describe("Allow skipping a minor version (unsupported by Kubernetes)."),
        allowDowngrade: z.boolean().default(false).describe("Allow a target older than the running version."),
      })
      .prefault({})
      .describe("Version skew guards."),
    concurrency: z
      .object({
        controlPlane: z
          .int()
          .min(1)
          .default(1)
          .describe("Control-plane nodes upgraded at once; etcd nodes always go one at a time."),
        workers: concurrency("Worker nodes upgraded at once: an integer or a percentage such as 20%.").default(1),
      })
      .prefault({})
      .describe("How many nodes of a tier are upgraded at once."),
    drain: z
      .object({
        controlPlane: drainSpec(false, "Drain of control-plane and etcd nodes (off by default)."),
        workers: drainSpec(true, "Drain of worker nodes (on by default)."),
      })
      .prefault({})
      .describe("How nodes are drained before their upgrade."),
    healthGate: HealthGateSchema,
    approval: ApprovalSchema,
    blockers: BlockersSchema,
    jobTemplate: JobTemplateSchema.optional(),
    upgradeImage: boundedString("Upgrade image; its tag is the target version with + turned into -.", 512).default(
      DEFAULT_UPGRADE_IMAGE,
    ),
    failurePolicy: z
      .object({
        maxAttemptsPerNode: z.int().min(1).max(100).default(2).describe("Attempts per node before the plan halts."),
        retry: boundedString("Changing this clears a halt and retries the failed nodes.").optional(),
      })
      .prefault({})
      .describe("What happens when a node fails."),
  })
  .refine((spec) => (spec.version === undefined) !== (spec.channel === undefined), { message: EXACTLY_ONE_TARGET })
  .meta({
    description: "An RKE2 version upgrade in tier order etcd -> control-plane -> worker.",
    "x-kubernetes-validations": [{ rule: "has(self.version) != has(self.channel)", message: EXACTLY_ONE_TARGET }],
  });

export type UpgradePlanSpec = z.output<typeof UpgradePlanSpecSchema>;
export type UpgradePlanSpecInput = z.input<typeof UpgradePlanSpecSchema>;

/**
 * Pending: no target yet. Blocked: refused until the spec changes. Waiting: for something that
 * comes by itself (the window, the lock, etcd health, storage). Upgrading includes preflight and
 * the pre-upgrade snapshot.
 */
export const UPGRADE_PHASES = ["Pending", "Blocked", "Waiting", "Paused", "Upgrading", "Halted", "Succeeded"] as const;
export type UpgradePhase = (typeof UPGRADE_PHASES)[number];
export const UPGRADE_TIERS = ["etcd", "control-plane", "worker"] as const;
export const UPGRADE_NODE_PHASES = ["Waiting", "Draining", "Upgrading", "WaitingHealthy", "Failed"] as const;
export type UpgradeNodePhase = (typeof UPGRADE_NODE_PHASES)[number];

const count = (description: string) => z.int().min(0).describe(description);

export const UpgradePlanStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe("The generation this status describes."),
    targetVersion: boundedString("The resolved target version.", 64).optional(),
    phase: z.enum(UPGRADE_PHASES).optional().describe(UPGRADE_PHASES.join(", ")),
    message: boundedString("Why the plan is in its phase, and what to change when it is Blocked.", 1024).optional(),
    nextWindowStart: timestamp("When the maintenance window opens next, while the plan waits for it.").optional(),
    currentNodes: boundedString("The nodes being upgraded now.", 512).optional(),
    lockHolder: boundedString("The operation holding the cluster's disruption lock.", 256).optional(),
    tier: z
      .enum([...UPGRADE_TIERS, ""])
      .optional()
      .describe("The tier being upgraded: etcd, control-plane, worker or empty."),
    progress: boundedString("upgraded/total.", 32).optional(),
    counts: z
      .object({
        total: count("Selected nodes."),
        upgraded: count("Nodes at the target."),
        inProgress: count("Nodes being upgraded."),
        pending: count("Nodes not started."),
        failed: count("Nodes that failed."),
      })
      .optional()
      .describe("Node counts."),
    nodes: z
      .array(
        z
          .object({
            name: boundedString("Node name."),
            tier: z.enum(UPGRADE_TIERS).describe("The node's tier."),
            phase: z.enum(UPGRADE_NODE_PHASES).describe(UPGRADE_NODE_PHASES.join(", ")),
            attempts: count("Attempts so far."),
            job: boundedString("The node Job of the current attempt.").optional(),
            startedAt: timestamp("When the current attempt started.").optional(),
            message: boundedString("Details.", 1024).optional(),
          })
          .describe("A node in progress or failed."),
      )
      .max(MAX_STATUS_NODES)
      .optional()
      .describe("Only in-progress and failed nodes; completion is recorded as a label on each Node."),
    preflight: z
      .array(
        z
          .object({
            name: boundedString("Check name.", 128),
            passed: z.boolean().describe("Whether it passed."),
            message: boundedString("Details.", 1024).optional(),
          })
          .describe("One preflight check."),
      )
      .max(32)
      .optional()
      .describe("Preflight check results."),
    snapshot: z
      .object({ name: boundedString("Snapshot name."), takenAt: timestamp("When it was taken.").optional() })
      .optional()
      .describe("The pre-upgrade snapshot."),
    startedAt: timestamp("When the upgrade started.").optional(),
    completedAt: timestamp("When every selected node reached the target.").optional(),
    lastRetry: boundedString("The spec.failurePolicy.retry value last handled.").optional(),
    preview: previewField(),
    estimatedCompletion: estimatedCompletionField(),
    tierSoak: TierSoakStatusSchema,
    conditions: conditionsField(
      "Ready, Progressing, Degraded, PreflightPassed, SnapshotTaken, Paused, AwaitingApproval and Blocked.",
    ),
  })
  .describe("Observed state of the upgrade.");
export type UpgradePlanStatus = z.infer<typeof UpgradePlanStatusSchema>;

export interface UpgradePlan extends KubeObject {
  spec: UpgradePlanSpecInput;
  status?: UpgradePlanStatus;
}

export const UpgradePlanConditions = {
  Ready: "Ready",
  Progressing: "Progressing",
  Degraded: "Degraded",
  PreflightPassed: "PreflightPassed",
  SnapshotTaken: "SnapshotTaken",
  Paused: "Paused",
} as const;

export const UpgradePlanReasons = {
  InvalidSpec: "InvalidSpec",
  UpgradeComplete: "UpgradeComplete",
  Upgrading: "Upgrading",
  WaitingForWindow: "WaitingForWindow",
  Paused: "Paused",
  Halted: "Halted",
  NodeFailed: "NodeFailed",
  PreflightFailed: "PreflightFailed",
  NodesNotReady: "NodesNotReady",
  SnapshotPolicyUnusable: "SnapshotPolicyUnusable",
  StorageUnavailable: "StorageUnavailable",
  SnapshotInProgress: "SnapshotInProgress",
  PreflightSucceeded: "PreflightSucceeded",
  SkewNotAllowed: "SkewNotAllowed",
  ChannelUnresolved: "ChannelUnresolved",
  SnapshotSucceeded: "SnapshotSucceeded",
  SnapshotFailed: "SnapshotFailed",
  SnapshotNotRequired: "SnapshotNotRequired",
  EtcdUnhealthy: "EtcdUnhealthy",
  DrainBlocked: "DrainBlocked",
  DisruptionLockHeld: "DisruptionLockHeld",
  ManagedByRancher: "ManagedByRancher",
} as const;

export function parseUpgradePlanSpec(raw: unknown): ParseResult<UpgradePlanSpec> {
  return parseWith(UpgradePlanSpecSchema, raw);
}

export const upgradePlanCrdSource: CrdSource = {
  resource: upgradePlanResource,
  singular: "upgradeplan",
  shortNames: ["uplan"],
  description: "UpgradePlan upgrades RKE2 on the selected nodes, tier by tier: etcd, control-plane, then workers.",
  spec: UpgradePlanSpecSchema,
  specRequired: true,
  status: UpgradePlanStatusSchema,
  printerColumns: [
    { name: "TARGET", type: "string", jsonPath: ".status.targetVersion" },
    { name: "PHASE", type: "string", jsonPath: ".status.phase" },
    { name: "TIER", type: "string", jsonPath: ".status.tier" },
    { name: "PROGRESS", type: "string", jsonPath: ".status.progress" },
    READY_COLUMN,
    { name: "NODES", type: "string", jsonPath: ".status.currentNodes", priority: 1 },
    { name: "LOCK", type: "string", jsonPath: ".status.lockHolder", priority: 1 },
    ETA_COLUMN,
    AGE_COLUMN,
    MESSAGE_COLUMN,
  ],
};
