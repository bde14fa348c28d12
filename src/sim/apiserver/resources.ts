/**
 * What the simulated API server serves: one ResourceDef per resource (built-in kinds here,
 * custom resources from CRDs via crd-serving.ts).
 */
import type { JSONSchemaProps } from "../../kube-schema/index.ts";

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** What a CRD adds to a resource: its schema per served version and its printer columns. */
export interface CustomResourceInfo {
  schemas: Record<string, JSONSchemaProps | undefined>;
  printerColumns: Record<string, PrinterColumn[]>;
  /** Name of the CRD serving this resource. */
  crdName: string;
}

export interface ResourceDef {
  group: string;
  /** The versions served, storage version first. */
  versions: string[];
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** A `/status` subresource: status only written there, spec only through the main resource. */
  statusSubresource: boolean;
  /** Whether `metadata.generation` is kept (bumped when anything but metadata and status changes). */
  tracksGeneration: boolean;
  /** Built-in kinds accept strategic merge patch; custom resources answer 415 as the real server. */
  builtin: boolean;
  /** Field selector labels beyond metadata.name and metadata.namespace. */
  fieldLabels: string[];
  custom?: CustomResourceInfo;
}

export const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Key of a resource in the store: independent of the version it is read through. */
export function resourceKey(def: Pick<ResourceDef, "group" | "plural">): string {
  return `${def.group}/${def.plural}`;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

interface BuiltinSpec {
  group?: string;
  version?: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  fieldLabels?: string[];
}

function builtin(spec: BuiltinSpec): ResourceDef {
  return {
    group: spec.group ?? "",
    versions: [spec.version ?? "v1"],
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    statusSubresource: spec.status ?? false,
    tracksGeneration: spec.generation ?? false,
    builtin: true,
    fieldLabels: spec.fieldLabels ?? [],
  };
}

/**
 * The built-in kinds (docs/sim-apiserver.md "What is served"), with the field selectors the real
 * server supports for them.
 */
export function builtinResources(): ResourceDef[] {
  return [
    builtin({
      kind: "Namespace",
      plural: "namespaces",
      namespaced: false,
      shortNames: ["ns"],
      status: true,
      fieldLabels: ["status.phase"],
    }),
    builtin({
      kind: "Node",
      plural: "nodes",
      namespaced: false,
      shortNames: ["no"],
      status: true,
      fieldLabels: ["spec.unschedulable"],
    }),
    builtin({
      kind: "Pod",
      plural: "pods",
      namespaced: true,
      shortNames: ["po"],
      categories: ["all"],
      status: true,
      fieldLabels: [
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
      ],
    }),
    builtin({
      kind: "Event",
      plural: "events",
      namespaced: true,
      shortNames: ["ev"],
      fieldLabels: [
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
      ],
    }),
    builtin({ kind: "ConfigMap", plural: "configmaps", namespaced: true, shortNames: ["cm"] }),
    builtin({ kind: "Secret", plural: "secrets", namespaced: true, fieldLabels: ["type"] }),
    builtin({ kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true, shortNames: ["sa"] }),
    builtin({
      group: "batch",
      kind: "Job",
      plural: "jobs",
      namespaced: true,
      categories: ["all"],
      status: true,
      generation: true,
      fieldLabels: ["status.successful"],
    }),
    builtin({
      group: "apps",
      kind: "DaemonSet",
      plural: "daemonsets",
      namespaced: true,
      shortNames: ["ds"],
      categories: ["all"],
      status: true,
      generation: true,
    }),
    builtin({
      group: "apps",
      kind: "Deployment",
      plural: "deployments",
      namespaced: true,
      shortNames: ["deploy"],
      categories: ["all"],
      status: true,
      generation: true,
    }),
    builtin({
      group: "policy",
      kind: "PodDisruptionBudget",
      plural: "poddisruptionbudgets",
      namespaced: true,
      shortNames: ["pdb"],
      status: true,
      generation: true,
    }),
    builtin({ group: "coordination.k8s.io", kind: "Lease", plural: "leases", namespaced: true }),
    builtin({
      group: "apiextensions.k8s.io",
      kind: "CustomResourceDefinition",
      plural: "customresourcedefinitions",
      namespaced: false,
      shortNames: ["crd", "crds"],
      categories: ["api-extensions"],
      status: true,
      generation: true,
    }),
  ];
}
