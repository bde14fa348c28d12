/**
 * core/v1 Events on our custom resources, so `kubectl describe` and `kubectl get events` show
 * every transition a person cares about. Repeats of the same event (same object, type, reason
 * and message) bump `count` and `lastTimestamp` on one Event instead of creating new ones, as
 * client-go's recorder does, so a stuck drain retried every few seconds is one line, not hundreds.
 * Like client-go's EventCorrelator, the recorder remembers the counts of the Events it wrote (an
 * LRU of 4,096, its `maxLruCacheEntries`), so a new Event costs one create and a repeat one patch,
 * with no read first; an Event it does not remember (written before a restart, or expired) is read
 * only when the create or patch says so. Recording never fails a reconcile: errors are logged and dropped.
 */
import { createHash } from "node:crypto";
import type { Logger } from "./logger.ts";
import { toKubeTime } from "../api/condition.ts";
import type { Clock } from "../runtime/clock.ts";
import { isAlreadyExists, isNotFound } from "../runtime/kube/errors.ts";
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

/** client-go's `maxLruCacheEntries` for the event correlator. */
const REMEMBERED_EVENTS = 4096;

export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const { port, clock, log } = options;
  const defaultNamespace = options.clusterScopedNamespace ?? "default";
  /** `namespace/name` of the Events written, with their count, least recently written first. */
  const counts = new Map<string, number>();
  const remember = (key: string, count: number): void => {
    counts.delete(key);
    counts.set(key, count);
    if (counts.size > REMEMBERED_EVENTS) counts.delete(counts.keys().next().value ?? "");
  };
  const bump = async (name: string, namespace: string, count: number, now: string): Promise<void> => {
    await port.mergePatch(EVENT_RESOURCE, name, { count, lastTimestamp: now }, namespace);
    remember(`${namespace}/${name}`, count);
  };
  return {
    async record(object, type, reason, rawMessage) {
      const message = rawMessage.length > MAX_MESSAGE ? `${rawMessage.slice(0, MAX_MESSAGE - 3)}...` : rawMessage;
      const namespace = object.metadata.namespace ?? defaultNamespace;
      const name = eventName(object, type, reason, message);
      const key = `${namespace}/${name}`;
      const now = toKubeTime(clock.now());
      try {
        const known = counts.get(key);
        if (known !== undefined) {
          try {
            await bump(name, namespace, known + 1, now);
            return;
          } catch (err) {
            // Expired (the API server keeps Events for an hour) or deleted: write it anew.
            if (!isNotFound(err)) throw err;
            counts.delete(key);
          }
        }
        try {
          await port.create<CoreEvent>(
            EVENT_RESOURCE,
            newEvent(object, { name, namespace, type, reason, message, now, instance: options.instance }),
          );
          remember(key, 1);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          // Written before a restart, or by another replica: count on from what is there.
          const existing = await port.get<CoreEvent>(EVENT_RESOURCE, name, namespace);
          await bump(name, namespace, (existing?.count || 1) + 1, now);
        }
      } catch (err) {
        if (isNotFound(err)) log.warn({ namespace }, "event namespace does not exist; event dropped");
        else log.warn({ err, reason }, "could not record event");
      }
    },
  };
}

interface NewEvent {
  name: string;
  namespace: string;
  type: EventType;
  reason: string;
  message: string;
  now: string;
  instance?: string;
}

function newEvent(object: KubeObject, event: NewEvent): CoreEvent {
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: event.name, namespace: event.namespace },
    involvedObject: {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      ...(object.metadata.uid ? { uid: object.metadata.uid } : {}),
    },
    reason: event.reason,
    message: event.message,
    type: event.type,
    count: 1,
    firstTimestamp: event.now,
    lastTimestamp: event.now,
    source: { component: REPORTING_COMPONENT },
    reportingComponent: REPORTING_COMPONENT,
    reportingInstance: event.instance ?? REPORTING_COMPONENT,
  };
}
