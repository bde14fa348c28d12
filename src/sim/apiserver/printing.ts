/** The columns the real server prints for the built-in kinds (what `kubectl get` shows). */
import { getPath, isObject, metaOf, stringField, stringMap, type JsonObject } from "./json.ts";
import { humanDuration } from "../../runtime/human-duration.ts";

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: ColumnDefinition[];
  cells(object: JsonObject, now: number): unknown[];
}

export function column(name: string, type = "string", priority = 0, format = ""): ColumnDefinition {
  return {
    name,
    type,
    format,
    description: name === "Name" ? "Name must be unique within a namespace." : name,
    priority,
  };
}

export function age(object: JsonObject, now: number): string {
  const created = stringField(metaOf(object), "creationTimestamp");
  return created ? humanDuration(now - Date.parse(created)) : "<unknown>";
}

const nameOf = (o: JsonObject): string => stringField(metaOf(o), "name") ?? "";
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const text = (v: unknown, fallback = "<none>"): string =>
  typeof v === "string" || typeof v === "number" ? String(v) : fallback;

function conditionStatus(object: JsonObject, type: string): string | undefined {
  const found = list(getPath(object, "status.conditions")).find((c) => c.type === type);
  return found ? stringField(found, "status") : undefined;
}

function nodeStatus(node: JsonObject): string {
  const ready = conditionStatus(node, "Ready");
  const status = ready === "True" ? "Ready" : ready === "False" ? "NotReady" : "Unknown";
  return getPath(node, "spec.unschedulable") === true ? `${status},SchedulingDisabled` : status;
}

function nodeRoles(node: JsonObject): string {
  const roles = Object.keys(stringMap(metaOf(node).labels))
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length))
    .filter((r) => r !== "");
  return roles.length > 0 ? roles.sort().join(",") : "<none>";
}

function nodeAddress(node: JsonObject, type: string): string {
  return text(list(getPath(node, "status.addresses")).find((a) => a.type === type)?.address);
}

function podStatus(pod: JsonObject): string {
  if (metaOf(pod).deletionTimestamp) return "Terminating";
  let reason = text(getPath(pod, "status.reason"), "") || text(getPath(pod, "status.phase"), "Pending");
  for (const cs of list(getPath(pod, "status.containerStatuses"))) {
    const waiting = getPath(cs, "state.waiting.reason");
    const terminated = getPath(cs, "state.terminated.reason");
    if (typeof waiting === "string" && waiting) reason = waiting;
    else if (typeof terminated === "string" && terminated) reason = terminated;
  }
  return reason;
}

function podReady(pod: JsonObject): string {
  const total = list(getPath(pod, "spec.containers")).length;
  const ready = list(getPath(pod, "status.containerStatuses")).filter((c) => c.ready === true).length;
  return `${ready}/${total}`;
}

function podRestarts(pod: JsonObject): number {
  return list(getPath(pod, "status.containerStatuses")).reduce((sum, c) => sum + num(c.restartCount), 0);
}

function jobStatus(job: JsonObject): string {
  for (const [type, label] of [
    ["Complete", "Complete"],
    ["Failed", "Failed"],
    ["FailureTarget", "FailureTarget"],
    ["SuccessCriteriaMet", "SuccessCriteriaMet"],
    ["Suspended", "Suspended"],
  ] as const) {
    if (conditionStatus(job, type) === "True") return label;
  }
  return "Running";
}

function jobDuration(job: JsonObject, now: number): string {
  const start = getPath(job, "status.startTime");
  if (typeof start !== "string") return "";
  const end = getPath(job, "status.completionTime");
  return humanDuration((typeof end === "string" ? Date.parse(end) : now) - Date.parse(start));
}

function orNone(v: unknown): string {
  return v === undefined ? "N/A" : text(v);
}

const NAME = column("Name", "string", 0, "name");
const AGE = column("Age");

export const BUILTIN_PRINTERS: Readonly<Record<string, Printer>> = {
  Node: {
    columns: [
      NAME,
      column("Status"),
      column("Roles"),
      AGE,
      column("Version"),
      column("Internal-IP", "string", 1),
      column("External-IP", "string", 1),
      column("OS-Image", "string", 1),
      column("Kernel-Version", "string", 1),
      column("Container-Runtime", "string", 1),
    ],
    cells: (o, now) => [
      nameOf(o),
      nodeStatus(o),
      nodeRoles(o),
      age(o, now),
      text(getPath(o, "status.nodeInfo.kubeletVersion"), ""),
      nodeAddress(o, "InternalIP"),
      nodeAddress(o, "ExternalIP"),
      text(getPath(o, "status.nodeInfo.osImage"), "<unknown>"),
      text(getPath(o, "status.nodeInfo.kernelVersion"), "<unknown>"),
      text(getPath(o, "status.nodeInfo.containerRuntimeVersion"), "<unknown>"),
    ],
  },
  Pod: {
    columns: [
      NAME,
      column("Ready"),
      column("Status"),
      column("Restarts", "string"),
      AGE,
      column("IP", "string", 1),
      column("Node", "string", 1),
      column("Nominated Node", "string", 1),
      column("Readiness Gates", "string", 1),
    ],
    cells: (o, now) => [
      nameOf(o),
      podReady(o),
      podStatus(o),
      String(podRestarts(o)),
      age(o, now),
      text(getPath(o, "status.podIP")),
      text(getPath(o, "spec.nodeName")),
      text(getPath(o, "status.nominatedNodeName")),
      "<none>",
    ],
  },
  Namespace: {
    columns: [NAME, column("Status"), AGE],
    cells: (o, now) => [nameOf(o), text(getPath(o, "status.phase"), ""), age(o, now)],
  },
  Job: {
    columns: [NAME, column("Status"), column("Completions"), column("Duration"), AGE],
    cells: (o, now) => [
      nameOf(o),
      jobStatus(o),
      `${num(getPath(o, "status.succeeded"))}/${text(getPath(o, "spec.completions"), "1")}`,
      jobDuration(o, now),
      age(o, now),
    ],
  },
  Lease: {
    columns: [NAME, column("Holder"), AGE],
    cells: (o, now) => [nameOf(o), text(getPath(o, "spec.holderIdentity"), ""), age(o, now)],
  },
  Deployment: {
    columns: [NAME, column("Ready"), column("Up-to-date", "integer"), column("Available", "integer"), AGE],
    cells: (o, now) => [
      nameOf(o),
      `${num(getPath(o, "status.readyReplicas"))}/${num(getPath(o, "spec.replicas") ?? 1)}`,
      num(getPath(o, "status.updatedReplicas")),
      num(getPath(o, "status.availableReplicas")),
      age(o, now),
    ],
  },
  DaemonSet: {
    columns: [
      NAME,
      column("Desired", "integer"),
      column("Current", "integer"),
      column("Ready", "integer"),
      column("Up-to-date", "integer"),
      column("Available", "integer"),
      column("Node Selector"),
      AGE,
    ],
    cells: (o, now) => [
      nameOf(o),
      num(getPath(o, "status.desiredNumberScheduled")),
      num(getPath(o, "status.currentNumberScheduled")),
      num(getPath(o, "status.numberReady")),
      num(getPath(o, "status.updatedNumberScheduled")),
      num(getPath(o, "status.numberAvailable")),
      Object.entries(stringMap(getPath(o, "spec.template.spec.nodeSelector")))
        .map(([k, v]) => `${k}=${v}`)
        .join(",") || "<none>",
      age(o, now),
    ],
  },
  PodDisruptionBudget: {
    columns: [NAME, column("Min Available"), column("Max Unavailable"), column("Allowed Disruptions", "integer"), AGE],
    cells: (o, now) => [
      nameOf(o),
      orNone(getPath(o, "spec.minAvailable")),
      orNone(getPath(o, "spec.maxUnavailable")),
      num(getPath(o, "status.disruptionsAllowed")),
      age(o, now),
    ],
  },
  Event: {
    columns: [column("Last Seen"), column("Type"), column("Reason"), column("Object"), column("Message"), NAME],
    cells: (o, now) => {
      const last = getPath(o, "lastTimestamp") ?? getPath(o, "eventTime") ?? metaOf(o).creationTimestamp;
      const involved = isObject(o.involvedObject) ? o.involvedObject : {};
      return [
        typeof last === "string" ? humanDuration(now - Date.parse(last)) : "<unknown>",
        text(o.type, ""),
        text(o.reason, ""),
        `${(stringField(involved, "kind") ?? "").toLowerCase()}/${stringField(involved, "name") ?? ""}`,
        text(o.message, ""),
        nameOf(o),
      ];
    },
  },
  ConfigMap: {
    columns: [NAME, column("Data", "integer"), AGE],
    cells: (o, now) => [
      nameOf(o),
      Object.keys(isObject(o.data) ? o.data : {}).length +
        Object.keys(isObject(o.binaryData) ? o.binaryData : {}).length,
      age(o, now),
    ],
  },
  Secret: {
    columns: [NAME, column("Type"), column("Data", "integer"), AGE],
    cells: (o, now) => [
      nameOf(o),
      text(o.type, "Opaque"),
      Object.keys(isObject(o.data) ? o.data : {}).length,
      age(o, now),
    ],
  },
  CustomResourceDefinition: {
    columns: [NAME, column("Created At", "date")],
    cells: (o) => [nameOf(o), text(metaOf(o).creationTimestamp, "")],
  },
};

export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, AGE],
  cells: (o, now) => [nameOf(o), age(o, now)],
};
