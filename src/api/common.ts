import { z } from "zod";
import { duration } from "./duration.ts";
import { boundedString, objectName, timeZone } from "./fields.ts";

export { durationToMs } from "./duration.ts";

const labelKey =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export const LabelSelectorRequirementSchema = z
  .object({
    key: z
      .string()
      .min(1)
      .max(317)
      .regex(labelKey, "must be a label key")
      .describe("The label key the selector applies to."),
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("In, NotIn, Exists or DoesNotExist."),
    values: z
      .array(z.string().max(63))
      .max(64)
      .optional()
      .describe("Label values: non-empty for In and NotIn, empty for Exists and DoesNotExist."),
  })
  .refine((r) => (r.values?.length ?? 0) > 0 === (r.operator === "In" || r.operator === "NotIn"), {
    message: "values must be non-empty for In/NotIn and empty for Exists/DoesNotExist",
  })
  .meta({
    description: "A label selector requirement.",
    "x-kubernetes-validations": [
      {
        rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
        message: "values must be non-empty for In/NotIn and empty for Exists/DoesNotExist",
      },
    ],
  });

/** metav1.LabelSelector. Empty selects every node. */
export const LabelSelectorSchema = z
  .object({
    matchLabels: z
      .record(z.string(), z.string().max(63))
      .optional()
      .describe("Labels that must all match (key = value)."),
    matchExpressions: z
      .array(LabelSelectorRequirementSchema)
      .max(32)
      .optional()
      .describe("Requirements that must all hold."),
  })
  .meta({ description: "Selects nodes by label; empty selects every node.", "x-kubernetes-map-type": "atomic" });
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const clockTime = (description: string) =>
  z
    .string()
    .max(5)
    .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "must be HH:MM (24-hour clock)")
    .describe(description);

/** A maintenance window: it gates only the start of disruptive work. */
export const WindowSchema = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS))
      .max(7)
      .default([...WEEKDAYS])
      .meta({
        description: "Days on which the window opens (mon..sun); default every day.",
        "x-kubernetes-list-type": "set",
      }),
    startTime: clockTime("Local time the window opens, HH:MM."),
    endTime: clockTime("Local time the window closes, HH:MM; before startTime means it crosses midnight."),
    timeZone: timeZone("IANA time zone of startTime and endTime.").default("UTC"),
  })
  .refine((w) => w.startTime !== w.endTime, { message: "startTime and endTime must differ", path: ["endTime"] })
  .meta({
    description: "Maintenance window: disruptive work starts only inside it; a node in progress finishes.",
    "x-kubernetes-validations": [
      { rule: "self.startTime != self.endTime", message: "startTime and endTime must differ" },
    ],
  });

/** How nodes are drained; `enabledByDefault` differs between control-plane and worker tiers. */
export function drainSpec(enabledByDefault: boolean, description: string) {
  return z
    .object({
      enabled: z.boolean().default(enabledByDefault).describe("Drain the node before working on it."),
      timeout: duration("How long a drain may take before the attempt fails.").default("10m"),
      gracePeriodSeconds: z
        .int()
        .min(-1)
        .default(-1)
        .describe("Grace period for evicted pods; -1 uses each pod's own terminationGracePeriodSeconds."),
      deleteEmptyDirData: z
        .boolean()
        .default(true)
        .describe("Evict pods that use emptyDir volumes (their data is lost)."),
      ignoreDaemonSets: z.boolean().default(true).describe("Leave DaemonSet pods in place."),
      force: z
        .boolean()
        .default(false)
        .describe("Also delete bare pods that no controller manages; false means they block the drain."),
      disableEviction: z
        .boolean()
        .default(false)
        .describe("Delete pods instead of evicting them; this bypasses PodDisruptionBudgets."),
      skipWaitForDeleteTimeoutSeconds: z
        .int()
        .min(0)
        .optional()
        .describe("Stop waiting for pods whose deletionTimestamp is older than this many seconds."),
      podSelector: LabelSelectorSchema.optional().describe("Only pods matching this selector are evicted."),
    })
    .prefault({})
    .describe(description);
}
export type DrainSpec = z.infer<ReturnType<typeof drainSpec>>;

export const HealthGateSchema = z
  .object({
    timeout: duration("How long a node may take to come back healthy before the attempt fails.").default("15m"),
    settle: duration("How long a node must stay healthy before the next node starts.").default("30s"),
    tierSoak: duration(
      "After a tier completes, how long nodes, etcd and blockers must stay healthy before the next tier starts.",
    ).optional(),
  })
  .prefault({})
  .describe("When a node counts as healthy again after work on it.");

export const TolerationSchema = z
  .object({
    key: z.string().max(317).optional().describe("Taint key; empty with operator Exists matches every taint."),
    operator: z.enum(["Exists", "Equal"]).optional().describe("Exists or Equal (default Equal)."),
    value: z.string().max(63).optional().describe("Taint value for operator Equal."),
    effect: z
      .enum(["NoSchedule", "PreferNoSchedule", "NoExecute"])
      .optional()
      .describe("Taint effect; empty matches all."),
    tolerationSeconds: z.int().optional().describe("How long a NoExecute taint is tolerated."),
  })
  .describe("A core/v1 Toleration.");

export const JobTemplateSchema = z
  .object({
    image: boundedString("Overrides the image of the node Jobs.", 512).optional(),
    imagePullSecrets: z
      .array(z.object({ name: objectName("Secret name.") }).describe("A Secret in the Jobs' namespace."))
      .max(16)
      .optional()
      .describe("Secrets used to pull the node Job images."),
    tolerations: z
      .array(TolerationSchema)
      .max(32)
      .optional()
      .describe("Added to the built-in toleration of every taint."),
    priorityClassName: objectName("PriorityClass of the node Job pods.").optional(),
    activeDeadlineSeconds: z.int().min(1).optional().describe("Upper bound on a node Job's run time."),
  })
  .describe("Overrides for the Jobs that run on nodes.");
export type JobTemplate = z.infer<typeof JobTemplateSchema>;

/** An integer >= 1 or a percentage such as `"10%"` of the nodes concerned. */
export const PERCENT_PATTERN = "^(100|[1-9][0-9]?)%$";
export function concurrency(description: string) {
  return z
    .union([
      z.int().min(1),
      z.string().regex(new RegExp(PERCENT_PATTERN), "must be an integer >= 1 or a percentage such as 10%"),
    ])
    .meta({ description, "x-kubernetes-int-or-string": true });
}
export type Concurrency = number | string;

/** Nodes that may be worked on at once: a percentage rounds down, never below 1 nor above `total`. */
export function resolveConcurrency(value: Concurrency, total: number): number {
  if (total <= 0) return 0;
  const requested =
    typeof value === "number" ? Math.floor(value) : Math.floor((total * Number.parseInt(value, 10)) / 100);
  return Math.min(total, Math.max(1, Number.isFinite(requested) ? requested : 1));
}
