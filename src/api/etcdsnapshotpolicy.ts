import { z } from "zod";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import { conditionsField } from "./condition.ts";
import { duration } from "./duration.ts";
import { boundedString, cronSchedule, objectName, timeZone, timestamp, triggerField } from "./fields.ts";
import { AGE_COLUMN, GROUP_VERSION, MESSAGE_COLUMN, READY_COLUMN } from "./group.ts";
import { parseWith, type ParseResult } from "./parse-result.ts";
import type { CrdSource } from "./crd.ts";

export const etcdSnapshotPolicyResource: ResourceType = {
  apiVersion: GROUP_VERSION,
  kind: "EtcdSnapshotPolicy",
  plural: "etcdsnapshotpolicies",
  namespaced: false,
};

export const MAX_RETAINED_SNAPSHOTS = 1000;

const S3Schema = z
  .object({
    bucket: z.string().min(3).max(63).describe("Bucket that receives the snapshots."),
    endpoint: boundedString("S3 endpoint host[:port].").default("s3.amazonaws.com"),
    region: z.string().max(64).default("us-east-1").describe("Bucket region."),
    folder: boundedString("Folder (key prefix) inside the bucket.", 512).optional(),
    bucketLookup: z
      .enum(["auto", "dns", "path"])
      .default("auto")
      .describe("Bucket addressing: auto, dns (virtual host) or path."),
    insecure: z.boolean().default(false).describe("Use plain HTTP instead of HTTPS."),
    skipTLSVerify: z.boolean().default(false).describe("Do not verify the endpoint's TLS certificate."),
    endpointCA: z
      .object({
        kind: z.enum(["ConfigMap", "Secret"]).default("ConfigMap").describe("ConfigMap or Secret."),
        name: objectName("Name of the ConfigMap or Secret in the operator's namespace."),
        key: z.string().min(1).max(253).default("ca.crt").describe("Key holding the PEM bundle."),
      })
      .optional()
      .describe("A ConfigMap or Secret holding the PEM bundle that signs the endpoint's certificate."),
    credentialsSecret: objectName(
      "Secret in the operator's namespace with keys accessKey, secretKey and optional sessionToken; " +
        "absent uses the node's IAM role.",
    ).optional(),
    timeout: duration("Timeout of S3 operations.").default("5m"),
  })
  .describe("Also store snapshots in S3-compatible object storage.");

export const MAX_KEPT_DRILLS = 20;

const RestoreDrillSchema = z
  .object({
    schedule: cronSchedule('5-field cron schedule of the drills (in spec.timeZone), e.g. "0 3 * * 0".'),
    keep: z
      .int()
      .min(1)
      .max(MAX_KEPT_DRILLS)
      .default(5)
      .describe("How many drill results status.restoreDrills keeps, newest first."),
    trigger: triggerField("Whenever this value changes, one restore drill runs now."),
  })
  .describe(
    "Restore the newest verified snapshot on an etcd member into a scratch folder on a schedule and check it " +
      'opens (docs/etcd-snapshots.md "Restore drill"); never touches the live etcd.',
  );

const gfsTier = (description: string) => z.int().min(0).max(MAX_RETAINED_SNAPSHOTS).optional().describe(description);

export const EtcdSnapshotPolicySpecSchema = z
  .object({
    schedule: cronSchedule('5-field cron schedule of the snapshots, e.g. "0 */6 * * *".'),
    timeZone: timeZone("IANA time zone the schedule is read in.").default("UTC"),
    suspend: z.boolean().default(false).describe("Stop taking scheduled snapshots (on-demand triggers still work)."),
    retention: z
      .object({
        count: z
          .int()
          .min(1)
          .max(MAX_RETAINED_SNAPSHOTS)
          .default(5)
          .describe("How many of this policy's snapshots to keep, across all nodes and S3 together."),
        maxAge: duration(
          "Delete this policy's snapshots older than this (never the newest verified one); " +
            "GFS tiers are kept beyond it.",
        ).optional(),
        keepDaily: gfsTier("Also keep the newest verified snapshot of each of this many most recent days (UTC)."),
        keepWeekly: gfsTier("Also keep the newest verified snapshot of each of this many most recent ISO weeks."),
        keepMonthly: gfsTier("Also keep the newest verified snapshot of each of this many most recent months."),
        protectPreUpgradeFor: duration(
          "Prune the pre-upgrade snapshots of UpgradePlans that use this policy this long after the plan succeeded; " +
            "absent: never prune them.",
        ).optional(),
      })
      .prefault({})
      .describe("Which of this policy's snapshots to keep; the newest successful snapshot is never deleted."),
    nodes: z
      .enum(["OneEtcdNode", "AllEtcdNodes"])
      .default("OneEtcdNode")
      .describe("OneEtcdNode: one healthy etcd member takes each snapshot; AllEtcdNodes: every etcd member does."),
    compress: z.boolean().default(true).describe("Compress snapshots (zip)."),
    s3: S3Schema.optional(),
    startingDeadline: duration("A missed schedule slot older than this is skipped, not run late.").default("10m"),
    trigger: triggerField("Whenever this value changes, one on-demand snapshot is taken now."),
    verify: z
      .boolean()
      .default(true)
      .describe(
        "Count a snapshot as succeeded only once it is recorded with a size > 0 (and, with s3, found in the bucket).",
      ),
    restoreDrill: RestoreDrillSchema.optional(),
  })
  .describe("Scheduled and on-demand etcd snapshots with retention.");

export type EtcdSnapshotPolicySpec = z.output<typeof EtcdSnapshotPolicySpecSchema>;
export type EtcdSnapshotPolicySpecInput = z.input<typeof EtcdSnapshotPolicySpecSchema>;

export const SnapshotRecordSchema = z
  .object({
    name: boundedString("Snapshot name."),
    node: boundedString("Node that took it."),
    location: boundedString("file:// or s3:// location.", 1024).optional(),
    size: z.int().min(0).optional().describe("Size in bytes."),
    takenAt: timestamp("When it was taken."),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe("SHA-256 of the file, taken on the node right after the save."),
    verified: z.boolean().optional().describe("Whether the integrity check passed; absent: not checked."),
    verifyMessage: boundedString("What the integrity check compared, or why it failed.", 512).optional(),
  })
  .describe("One snapshot this policy made.");
export type SnapshotRecord = z.infer<typeof SnapshotRecordSchema>;

export const DRILL_OUTCOMES = ["Succeeded", "Failed"] as const;

export const RestoreDrillRecordSchema = z
  .object({
    snapshot: boundedString("The snapshot file drilled."),
    node: boundedString("The etcd member it ran on."),
    time: timestamp("When the drill ended."),
    outcome: z.enum(DRILL_OUTCOMES).describe("Succeeded or Failed."),
    revision: z.int().min(0).optional().describe("The revision the restored member served."),
    keys: z.int().min(0).optional().describe("Keys the restored member held."),
    message: boundedString("Why it failed.", 1024).optional(),
  })
  .describe("One restore drill.");
export type RestoreDrillRecord = z.infer<typeof RestoreDrillRecordSchema>;

export const MAX_NOT_VERIFIED = 100;

export const NotVerifiedSnapshotSchema = z
  .object({
    name: boundedString("Snapshot name."),
    location: boundedString("file:// or s3:// location.", 1024),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe("SHA-256 of the file on the node."),
    message: boundedString("Why it is not verified.", 512),
  })
  .describe("A snapshot copy that failed the integrity check.");
export type NotVerifiedSnapshot = z.infer<typeof NotVerifiedSnapshotSchema>;

export const STORAGE_PHASES = ["Available", "Unavailable", "Unknown"] as const;

export const EtcdSnapshotPolicyStatusSchema = z
  .object({
    observedGeneration: z.int().min(0).optional().describe("The generation this status describes."),
    message: boundedString("What a person needs to know first: what is wrong, or the last snapshot.", 1024).optional(),
    lastScheduleTime: timestamp("The last schedule slot that was handled.").optional(),
    nextScheduleTime: timestamp("The next schedule slot.").optional(),
    lastSuccessfulSnapshot: SnapshotRecordSchema.optional(),
    lastFailure: z
      .object({ time: timestamp("When it failed."), message: boundedString("Why it failed.", 1024) })
      .optional()
      .describe("The last failed attempt."),
    consecutiveFailures: z.int().min(0).optional().describe("Failed attempts since the last success."),
    snapshotCount: z.int().min(0).optional().describe("Number of retained snapshots."),
    snapshots: z
      .array(SnapshotRecordSchema)
      .max(MAX_RETAINED_SNAPSHOTS)
      .optional()
      .describe("The retained snapshots, newest first."),
    notVerified: z
      .array(NotVerifiedSnapshotSchema)
      .max(MAX_NOT_VERIFIED)
      .optional()
      .describe("Copies still on disk or in S3 that failed the integrity check, newest first; never counted as good."),
    lastTrigger: boundedString("The spec.trigger value last handled.").optional(),
    storage: z
      .object({
        phase: z.enum(STORAGE_PHASES).describe("Available, Unavailable or Unknown."),
        lastValidationTime: timestamp("When the storage was last checked.").optional(),
        message: boundedString("Details of the last check.", 1024).optional(),
      })
      .optional()
      .describe("Health of the snapshot storage."),
    lastRestoreDrill: RestoreDrillRecordSchema.optional(),
    lastSuccessfulRestoreDrillTime: timestamp("When a restore drill last succeeded.").optional(),
    restoreDrills: z
      .array(RestoreDrillRecordSchema)
      .max(MAX_KEPT_DRILLS)
      .optional()
      .describe("The last spec.restoreDrill.keep drills, newest first."),
    lastRestoreDrillScheduleTime: timestamp("The last restore drill schedule slot that was started.").optional(),
    lastRestoreDrillTrigger: boundedString("The spec.restoreDrill.trigger value last handled.").optional(),
    conditions: conditionsField("Ready, SnapshotOverdue, StorageAvailable, RecordsAvailable and RestoreVerified."),
  })
  .describe("Observed state of the policy.");
export type EtcdSnapshotPolicyStatus = z.infer<typeof EtcdSnapshotPolicyStatusSchema>;

export interface EtcdSnapshotPolicy extends KubeObject {
  spec: EtcdSnapshotPolicySpecInput;
  status?: EtcdSnapshotPolicyStatus;
}

export const EtcdSnapshotPolicyConditions = {
  Ready: "Ready",
  SnapshotOverdue: "SnapshotOverdue",
  StorageAvailable: "StorageAvailable",
  /** RKE2's ETCDSnapshotFile records are served (the CRD exists): verification and retention read them. */
  RecordsAvailable: "RecordsAvailable",
  /** The last restore drill (spec.restoreDrill) restored the newest verified snapshot and read it. */
  RestoreVerified: "RestoreVerified",
} as const;

export const EtcdSnapshotPolicyReasons = {
  InvalidSpec: "InvalidSpec",
  SnapshotSucceeded: "SnapshotSucceeded",
  SnapshotFailed: "SnapshotFailed",
  SnapshotInProgress: "SnapshotInProgress",
  NoSnapshotYet: "NoSnapshotYet",
  Suspended: "Suspended",
  Overdue: "Overdue",
  OnSchedule: "OnSchedule",
  StorageReachable: "StorageReachable",
  StorageUnreachable: "StorageUnreachable",
  StorageNotChecked: "StorageNotChecked",
  StorageUnavailable: "StorageUnavailable",
  RecordsServed: "RecordsServed",
  RecordsCRDMissing: "RecordsCRDMissing",
  ManagedByRancher: "ManagedByRancher",
  DrillSucceeded: "DrillSucceeded",
  DrillFailed: "DrillFailed",
  NoDrillYet: "NoDrillYet",
} as const;

export function parseEtcdSnapshotPolicySpec(raw: unknown): ParseResult<EtcdSnapshotPolicySpec> {
  return parseWith(EtcdSnapshotPolicySpecSchema, raw);
}

export const etcdSnapshotPolicyCrdSource: CrdSource = {
  resource: etcdSnapshotPolicyResource,
  singular: "etcdsnapshotpolicy",
  shortNames: ["esp"],
  description:
    "EtcdSnapshotPolicy takes scheduled and on-demand etcd snapshots of the RKE2 cluster and prunes old ones.",
  spec: EtcdSnapshotPolicySpecSchema,
  specRequired: true,
  status: EtcdSnapshotPolicyStatusSchema,
  printerColumns: [
    { name: "SCHEDULE", type: "string", jsonPath: ".spec.schedule" },
    { name: "LAST-SUCCESS", type: "date", jsonPath: ".status.lastSuccessfulSnapshot.takenAt" },
    // A string, not a date: kubectl prints a future date column as "<invalid>" (it renders dates as age).
    { name: "NEXT", type: "string", jsonPath: ".status.nextScheduleTime" },
    { name: "SNAPSHOTS", type: "integer", jsonPath: ".status.snapshotCount" },
    { name: "STORAGE", type: "string", jsonPath: ".status.storage.phase" },
    READY_COLUMN,
    AGE_COLUMN,
    MESSAGE_COLUMN,
  ],
};
