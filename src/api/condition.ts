import { z } from "zod";
import { timestamp } from "./fields.ts";

/** metav1.Condition, with the bounds and patterns of the upstream type. */
export const ConditionSchema = z
  .object({
    type: z
      .string()
      .max(316)
      .regex(
        new RegExp(
          "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/)?" +
            "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
        ),
      )
      .describe("Type of condition in CamelCase, e.g. Ready."),
    status: z.enum(["True", "False", "Unknown"]).describe("Status of the condition: True, False or Unknown."),
    observedGeneration: z.int().min(0).optional().describe("The .metadata.generation the condition was set for."),
    lastTransitionTime: timestamp("Last time the condition's status changed."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
      .describe("Programmatic identifier in CamelCase for the condition's last transition."),
    message: z.string().max(32768).describe("Human-readable details about the last transition."),
  })
  .describe("A metav1.Condition: one aspect of the object's current state.");

export type Condition = z.infer<typeof ConditionSchema>;
export type ConditionStatus = Condition["status"];

/** The conditions list of every status: a map keyed by `type`, as `kubectl` and SSA expect. */
export function conditionsField(description: string) {
  return z
    .array(ConditionSchema)
    .max(32)
    .meta({ description, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
    .optional();
}

/** What a controller decides about one condition; the transition time is derived. */
export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  observedGeneration: number;
}

/** RFC 3339 at second precision, as metav1.Time serialises, so a round trip compares equal. */
export function toKubeTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * Returns a new list with `next` set. `lastTransitionTime` moves only when `status` flips, so
 * "how long has it been Ready=False" stays answerable; reason/message/generation always update.
 */
export function setCondition(conditions: readonly Condition[], next: ConditionUpdate, now: number): Condition[] {
  const previous = conditions.find((c) => c.type === next.type);
  const lastTransitionTime =
    previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : toKubeTime(now);
  const updated: Condition = { ...next, lastTransitionTime };
  if (previous === undefined) return [...conditions, updated];
  return conditions.map((c) => (c === previous ? updated : c));
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}
