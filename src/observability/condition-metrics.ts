/**
 * `rke2_lifecycle_condition{kind,name,type,status}`: one series per condition of each custom
 * resource, 1 for its current status. The shipped alerts (snapshot overdue, storage unavailable,
 * plan halted, rotation degraded) read it. Fed by informers on the three kinds, so it follows
 * status whoever wrote it and is complete right after the leader's caches sync.
 */
import type { ResourceEventHandler } from "../runtime/informer.ts";
import type { KubeObject } from "../runtime/kube/types.ts";
import type { OperatorMetrics } from "./metrics.ts";

const STATUSES = ["True", "False", "Unknown"] as const;

interface WithConditions extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

export function conditionMetricsHandler(metrics: OperatorMetrics, kind: string): ResourceEventHandler<WithConditions> {
  /** Condition types exported per object name, so a vanished condition or object loses its series. */
  const exported = new Map<string, Set<string>>();

  const clear = (name: string, type: string): void => {
    for (const status of STATUSES) metrics.condition.remove({ kind, name, type, status });
  };

  const update = (object: WithConditions): void => {
    const name = object.metadata.name;
    const conditions = object.status?.conditions ?? [];
    const previous = exported.get(name) ?? new Set<string>();
    const current = new Set(conditions.map((c) => c.type));
    for (const type of previous) if (!current.has(type)) clear(name, type);
    for (const condition of conditions) {
      clear(name, condition.type);
      metrics.condition.set({ kind, name, type: condition.type, status: condition.status }, 1);
    }
    exported.set(name, current);
  };

  return {
    onAdd: update,
    onUpdate: (_previous, current) => {
      update(current);
    },
    onDelete: (object) => {
      for (const type of exported.get(object.metadata.name) ?? []) clear(object.metadata.name, type);
      exported.delete(object.metadata.name);
    },
  };
}
