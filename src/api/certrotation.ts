import { z } from "zod";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import { concurrency, HealthGateSchema, JobTemplateSchema, LabelSelectorSchema, WindowSchema } from "./common.ts";
import { conditionsField } from "./condition.ts";
import { ApprovalSchema, BlockersSchema, TierSoakStatusSchema } from "./rollout-gates.ts";
import { duration, durationToMs } from "./duration.ts";
import { boundedString, timestamp, triggerField } from "./fields.ts";
import { AGE_COLUMN, GROUP_VERSION, MESSAGE_COLUMN, READY_COLUMN } from "./group.ts";
import { parseWith, type ParseResult } from "./parse-result.ts";
import { estimatedCompletionField, ETA_COLUMN, previewField } from "./preview.ts";
import type { CrdSource } from "./crd.ts";

export const certRotationResource: ResourceType = {
  apiVersion: GROUP_VERSION,
  kind: "CertRotation",
  plural: "certrotations",
  namespaced: false,
};

/** Service names exactly as `rke2 certificate rotate -s` takes them. */
export const RKE2_CERT_SERVICES = [
  "admin",
  "api-server",
  "controller-manager",
  "scheduler",
  "supervisor",
  "rke2-controller",
  "rke2-server",
  "cloud-controller",
  "etcd",
  "auth-proxy",
  "kubelet",
  "kube-proxy",
] as const;
export type Rke2CertService = (typeof RKE2_CERT_SERVICES)[number];

export const MAX_STATUS_NODES = 100;

export const CertRotationSpecSchema = z
  .object({
    renewBefore: duration("Rotate a node when any of its leaf certificates expires within this.").default("720h"),
    warnBefore: duration("ExpiringSoon turns True (warning) when a certificate expires within this.").default("672h"),
    criticalBefore: duration("ExpiringSoon reports critical when a certificate expires within this.").default("336h"),
    checkInterval: duration("How often the certificate inventory is refreshed.").default("6h"),
    services: z
      .array(z.enum(RKE2_CERT_SERVICES))
      .max(RKE2_CERT_SERVICES.length)
      .optional()
      .meta({
        description:
          `Services to rotate, as rke2 certificate rotate -s takes them (${RKE2_CERT_SERVICES.join(", ")}); ` +
          "absent or empty rotates all.",
        "x-kubernetes-list-type": "set",
      }),
    nodeSelector: LabelSelectorSchema.optional().describe(
      "Nodes to watch and rotate; empty selects every Linux node (Windows agents never).",
    ),
    window: WindowSchema.optional(),
    paused: z.boolean().default(false).describe("Start no new rotation (inventory and alerts continue)."),
    healthGate: HealthGateSchema,
    approval: ApprovalSchema,
    blockers: BlockersSchema,
    jobTemplate: JobTemplateSchema.optional(),
    concurrency: z
      .object({ agents: concurrency("Agent nodes rotated at once; servers are always one at a time.").default(1) })
      .prefault({})
      .describe("How many nodes are rotated at once."),
    trigger: triggerField("Whenever this value changes, every selected node is rotated once, now."),
  })
  .superRefine((spec, ctx) => {
    const warn = durationToMs(spec.warnBefore);
    const critical = durationToMs(spec.criticalBefore);
    if (warn !== undefined && critical !== undefined && critical > warn) {
      ctx.addIssue({ code: "custom", path: ["criticalBefore"], message: "must not be longer than warnBefore" });
    }
  })
  .prefault({})
  .describe("Certificate inventory, expiry alerts and node-by-node rotation.");

export type CertRotationSpec = z.output<typeof CertRotationSpecSchema>;
export type CertRotationSpecInput = z.input<typeof CertRotationSpecSchema>;

/**
 * Idle: nothing to rotate. Blocked: refused until the spec (or the cluster's setup) changes.
 * Waiting: for the window or the first inventory. Halted: a node failed; spec.trigger retries.
 */
export const CERT_ROTATION_PHASES = ["Idle", "Blocked", "Waiting", "Paused", "Rotating", "Halted"] as const;
export type CertRotationPhase = (typeof CERT_ROTATION_PHASES)[number];
export const CERT_NODE_PHASES = ["Pending", "Waiting", "Draining", "Rotating", "WaitingHealthy", "Failed"] as const;
export type CertNodePhase = (typeof CERT_NODE_PHASES)[number];
export const NODE_ROLES = ["etcd", "control-plane", "worker"] as const;

export const CertRotationStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe("The generation this status describes."),
    lastCheckTime: timestamp("When the inventory was last refreshed.").optional(),
    nextCheckTime: timestamp("When the inventory is refreshed next.").optional(),
    earliestExpiry: z
      .object({
        node: boundedString("Node holding the certificate."),
        file: boundedString("Certificate file.", 1024),
        notAfter: timestamp("Its expiry."),
      })
      .optional()
      .describe("The certificate that expires first among the selected nodes."),
    summary: z
      .object({
        nodes: z.int().min(0).describe("Selected nodes."),
        expiringSoon: z.int().min(0).describe("Nodes with a certificate inside renewBefore."),
        rotating: z.int().min(0).describe("Nodes being rotated."),
        failed: z.int().min(0).describe("Nodes whose last rotation failed."),
      })
      .optional()
      .describe("Counts over the selected nodes."),
    nodes: z
      .array(
        z
          .object({
            name: boundedString("Node name."),
            role: z.enum(NODE_ROLES).describe("etcd, control-plane or worker."),
            earliestNotAfter: timestamp("Expiry of the node's first expiring certificate.").optional(),
            phase: z.enum(CERT_NODE_PHASES).describe("Where the node is in its rotation."),
            lastRotationTime: timestamp("When the node was last rotated.").optional(),
            message: boundedString("Details.", 1024).optional(),
          })
          .describe("A node that is rotating, failed or inside renewBefore."),
      )
      .max(MAX_STATUS_NODES)
      .optional()
      .describe("Only nodes that are rotating, failed or inside renewBefore (at most 100)."),
    lastTrigger: boundedString("The spec.trigger value last handled.").optional(),
    phase: z.enum(CERT_ROTATION_PHASES).optional().describe(CERT_ROTATION_PHASES.join(", ")),
    message: boundedString("Why the rotation is in its phase, and what to change when it is Blocked.", 1024).optional(),
    nextWindowStart: timestamp("When the maintenance window opens next, while a rotation waits for it.").optional(),
    preview: previewField(),
    estimatedCompletion: estimatedCompletionField(),
    tierSoak: TierSoakStatusSchema,
    conditions: conditionsField("Ready, Progressing, Degraded, ExpiringSoon, AwaitingApproval and Blocked."),
  })
  .describe("Observed state of the rotation.");
export type CertRotationStatus = z.infer<typeof CertRotationStatusSchema>;

export interface CertRotation extends KubeObject {
  spec?: CertRotationSpecInput;
  status?: CertRotationStatus;
}

export const CertRotationConditions = {
  Ready: "Ready",
  Progressing: "Progressing",
  Degraded: "Degraded",
  ExpiringSoon: "ExpiringSoon",
} as const;

export const CertRotationReasons = {
  InvalidSpec: "InvalidSpec",
  AllCertificatesValid: "AllCertificatesValid",
  Rotating: "Rotating",
  WaitingForWindow: "WaitingForWindow",
  Paused: "Paused",
  RotationFailed: "RotationFailed",
  ExpiringWarning: "ExpiringWarning",
  ExpiringCritical: "ExpiringCritical",
  NotExpiring: "NotExpiring",
  InventoryUnavailable: "InventoryUnavailable",
  ManagedByRancher: "ManagedByRancher",
  DataDirMismatch: "DataDirMismatch",
} as const;

export function parseCertRotationSpec(raw: unknown): ParseResult<CertRotationSpec> {
  return parseWith(CertRotationSpecSchema, raw);
}

export const certRotationCrdSource: CrdSource = {
  resource: certRotationResource,
  singular: "certrotation",
  shortNames: ["certrot"],
  description:
    "CertRotation keeps an inventory of RKE2 certificates, alerts before they expire and rotates them node by node.",
  spec: CertRotationSpecSchema,
  specRequired: false,
  status: CertRotationStatusSchema,
  printerColumns: [
    // A string, not a date: kubectl renders a future date column as "<invalid>" (dates print as age).
    { name: "EARLIEST-EXPIRY", type: "string", jsonPath: ".status.earliestExpiry.notAfter" },
    { name: "PHASE", type: "string", jsonPath: ".status.phase" },
    { name: "ROTATING", type: "integer", jsonPath: ".status.summary.rotating" },
    READY_COLUMN,
    ETA_COLUMN,
    AGE_COLUMN,
    MESSAGE_COLUMN,
  ],
};
