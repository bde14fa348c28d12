/**
 * Gates between the tiers of a rollout, shared by UpgradePlan and CertRotation: an approval per
 * tier (a commit is the approval), blockers read from the cluster's own monitoring and pods, and
 * the status piece that remembers a tier soak across operator restarts (docs/upgrades.md
 * "Approval between tiers", "Blockers", "Tier soak").
 */
import { z } from "zod";
import { LabelSelectorSchema } from "./common.ts";
import { duration } from "./duration.ts";
import { boundedString, objectName, timestamp } from "./fields.ts";

export const ROLLOUT_TIERS = ["etcd", "control-plane", "worker"] as const;

const tierList = (description: string) => z.array(z.enum(ROLLOUT_TIERS)).max(3).default([]).describe(description);

export const ApprovalSchema = z
  .object({
    tiers: tierList("Tiers that wait for approval before their first node starts: etcd, control-plane, worker."),
    approved: tierList("Tiers approved to start; a tier of `tiers` not listed here waits (AwaitingApproval)."),
  })
  .optional()
  .describe("Approval between tiers: nodes in progress finish, nothing of an unapproved tier starts.");
export type Approval = z.output<typeof ApprovalSchema>;

const httpUrl = (description: string) =>
  z
    .string()
    .max(512)
    .regex(/^https?:\/\/[^\s]+$/, "must be an http(s) URL")
    .describe(description);

export const PrometheusConnectionSchema = z
  .object({
    url: httpUrl("Prometheus base URL, e.g. http://prometheus-operated.monitoring:9090."),
    alertmanagerUrl: httpUrl(
      "Alertmanager base URL: alerts it reports silenced or inhibited do not block. Absent: every firing alert blocks.",
    ).optional(),
    credentialsSecret: objectName(
      "Secret in the operator's namespace: key `token` (bearer) or keys `username` and `password` (basic auth).",
    ).optional(),
    timeout: duration("How long one HTTP request may take before the blocker counts as not evaluable.").default("5s"),
  })
  .describe("How to reach Prometheus (and Alertmanager).");
export type PrometheusConnection = z.output<typeof PrometheusConnectionSchema>;

const ONE_KIND = "exactly one of alerts, query and pods must be set";
const NEEDS_PROMETHEUS = "alerts and query need prometheus";

export const BlockerSchema = z
  .object({
    name: boundedString("Name shown in the Blocked condition and events.", 63).min(1),
    alerts: z
      .object({
        names: z.array(boundedString("Alert name.", 253)).max(32).optional().describe("alertname values that block."),
        labels: z
          .record(z.string().max(253), z.string().max(253))
          .optional()
          .describe("Labels a firing alert must all carry to block (with names: and)."),
      })
      .optional()
      .describe("Firing Prometheus alerts (GET /api/v1/alerts) matching these block."),
    query: boundedString("A PromQL expression: a non-empty result blocks (GET /api/v1/query).", 4096).min(1).optional(),
    pods: z
      .object({
        namespace: objectName("Namespace to look in; absent: every namespace.").optional(),
        selector: LabelSelectorSchema.describe("Pods matching this selector block while they exist."),
      })
      .optional()
      .describe("Pods that block while they exist (a backup running, for example)."),
    prometheus: PrometheusConnectionSchema.optional(),
  })
  .refine((b) => [b.alerts, b.query, b.pods].filter((kind) => kind !== undefined).length === 1, { message: ONE_KIND })
  .refine((b) => b.pods !== undefined || b.prometheus !== undefined, { message: NEEDS_PROMETHEUS })
  .meta({
    description: "Something that stops new nodes from starting while it holds; nodes in progress finish.",
    "x-kubernetes-validations": [
      { rule: "[has(self.alerts), has(self.query), has(self.pods)].filter(x, x).size() == 1", message: ONE_KIND },
      { rule: "has(self.pods) || has(self.prometheus)", message: NEEDS_PROMETHEUS },
    ],
  });
export type Blocker = z.output<typeof BlockerSchema>;

export const BlockersSchema = z
  .array(BlockerSchema)
  .max(16)
  .optional()
  .describe("Things that stop new nodes from starting while they hold. One that cannot be evaluated holds.");

export const TierSoakStatusSchema = z
  .object({
    tier: z.enum(ROLLOUT_TIERS).describe("The tier whose completion began the soak."),
    healthySince: timestamp("Since when the cluster has been healthy after it; absent while it is not.").optional(),
    passed: z.boolean().optional().describe("The soak is over: the next tier may start."),
  })
  .optional()
  .describe("The soak after the last completed tier (spec.healthGate.tierSoak).");
export type TierSoakStatus = z.output<typeof TierSoakStatusSchema>;

/** Condition types and reasons the gates add to UpgradePlan and CertRotation. */
export const GateConditions = { AwaitingApproval: "AwaitingApproval", Blocked: "Blocked" } as const;
export const GateReasons = {
  AwaitingApproval: "AwaitingApproval",
  Approved: "Approved",
  BlockerHolding: "BlockerHolding",
  NoBlocker: "NoBlocker",
  TierSoak: "TierSoak",
} as const;
