/**
 * core/v1 Events on our custom resources, so `kubectl describe` and `kubectl get events` show
 * every transition a person cares about. Repeats of the same event (same object, type, reason
 * and message) bump `count` and `lastTimestamp` on one Event instead of creating new ones, as
 * client-go's recorder does, so a stuck drain retried every few seconds is one line, not hundreds.
 * Recording never fails a reconcile: errors are logged and dropped.
 */
import { createHash } from "node:crypto";
import type { Logger } from "./logger.ts";
import { toKubeTime } from "../api/condition.ts";
import type { Clock } from "../runtime/clock.ts";
import { isNotFound } from "../runtime/kube/errors.ts";
import type { KubePort } from "../runtime/kube/port.ts";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";

export const EVENT_RESOURCE: ResourceType = { apiVersion: "v1", kind: "Event", plural: "events", namespaced: true };
export const REPORTING_COMPONENT = "rke2-lifecycle-operator";

export type EventType = "Normal" | "Warning";

export interface CoreEvent extends KubeObject {
  involvedObject: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string };
  reason: string;
  message: string;
  type: EventType;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
  reportingComponent: string;
  reportingInstance: string;
}

export interface EventRecorder {
  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface EventRecorderOptions {
  port: KubePort;
  clock: Clock;
  log: Logger;
  /** Where Events of cluster-scoped objects go (kubectl describe looks in `default` for them). */
  clusterScopedNamespace?: string;
  instance?: string;
}

/** Kubernetes caps an Event message at 1 KiB; longer ones are cut with a marker. */
const MAX_MESSAGE = 1024;

export function eventName(object: KubeObject, type: EventType, reason: string, message: string): string {
  const digest = createHash("sha256")
    .update(`${object.metadata.uid ?? ""}\n${type}\n${reason}\n${message}`)
    .digest("hex")
    .slice(0, 16);
  return `${object.metadata.name.slice(0, 200)}.${digest}`;
}

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const { port, clock, log } = options;
  const defaultNamespace = options.clusterScopedNamespace ?? "default";
  return {
    async record(object, type, reason, rawMessage) {
      const message = rawMessage.length > MAX_MESSAGE ? `${rawMessage.slice(0, MAX_MESSAGE - 3)}...` : rawMessage;
      const namespace = object.metadata.namespace ?? defaultNamespace;
      const name = eventName(object, type, reason, message);
      const now = toKubeTime(clock.now());
      try {
        const existing = await port.get<CoreEvent>(EVENT_RESOURCE, name, namespace);
        if (existing) {
          await port.mergePatch(
            EVENT_RESOURCE,
            name,
            { count: (existing.count || 1) + 1, lastTimestamp: now },
            namespace,
          );
          return;
        }
        await port.create<CoreEvent>(EVENT_RESOURCE, {
          apiVersion: "v1",
          kind: "Event",
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
            ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
          },
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component: REPORTING_COMPONENT },
          reportingComponent: REPORTING_COMPONENT,
          reportingInstance: options.instance ?? REPORTING_COMPONENT,
        });
      } catch (err) {
        if (isNotFound(err)) log.warn({ namespace }, "event namespace does not exist; event dropped");
        else log.warn({ err, reason }, "could not record event");
      }
    },
  };
}
