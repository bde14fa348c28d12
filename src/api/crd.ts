import type { z } from "zod";
import type { JSONSchemaProps } from "../kube-schema/index.ts";
import type { ResourceType } from "../runtime/kube/types.ts";
import { groupOf, versionOf } from "../runtime/kube/types.ts";
import { zodToStructural } from "./crd-schema.ts";
import { CATEGORY } from "./group.ts";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Everything a kind's file declares so that its CRD can be rendered. */
export interface CrdSource {
  resource: ResourceType;
  singular: string;
  shortNames: string[];
  /** One sentence for `kubectl explain <kind>`. */
  description: string;
  spec: z.ZodType;
  /** False when every spec field has a default, so `spec` may be omitted. */
  specRequired: boolean;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  /** Defaults to `[rke2]`; foreign kinds (ETCDSnapshotFile) have none. */
  categories?: string[];
}

/** The parts of apiextensions.k8s.io/v1 CustomResourceDefinition the project renders. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames?: string[];
      categories?: string[];
    };
    scope: "Cluster" | "Namespaced";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: { status?: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

/** `<plural>.<group>`: the only name the API server accepts for a CRD. */
export function crdName(resource: ResourceType): string {
  return `${resource.plural}.${groupOf(resource.apiVersion)}`;
}

export function renderCrdSchema(source: CrdSource): JSONSchemaProps {
  const kind = source.resource.kind;
  return {
    description: source.description,
    type: "object",
    properties: {
      apiVersion: {
        description: "APIVersion defines the versioned schema of this representation of an object.",
        type: "string",
      },
      kind: {
        description: "Kind is a string value representing the REST resource this object represents.",
        type: "string",
      },
      metadata: { type: "object" },
      spec: zodToStructural(source.spec, `${kind}.spec`),
      status: zodToStructural(source.status, `${kind}.status`),
    },
    ...(source.specRequired ? { required: ["spec"] } : {}),
    "x-kubernetes-validations": [NAME_FITS_A_LABEL],
  };
}

/**
 * The operator labels its node Jobs with their owner's name (`rke2-lifecycle.io/owner`) and
 * selects them by it; a label value holds at most 63 characters, so longer names are refused at
 * admission rather than failing every Job later. At the root, CEL sees `self.metadata.name`.
 */
export const MAX_NAME_LENGTH = 63;
const NAME_FITS_A_LABEL = {
  rule: `self.metadata.name.size() <= ${String(MAX_NAME_LENGTH)}`,
  message:
    `metadata.name must be at most ${String(MAX_NAME_LENGTH)} characters: ` +
    "the operator uses it as a label value on its node Jobs",
};

export function renderCrd(source: CrdSource): CustomResourceDefinition {
  const { resource } = source;
  const categories = source.categories ?? [CATEGORY];
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: crdName(resource) },
    spec: {
      group: groupOf(resource.apiVersion),
      names: {
        kind: resource.kind,
        listKind: `${resource.kind}List`,
        plural: resource.plural,
        singular: source.singular,
        ...(source.shortNames.length > 0 ? { shortNames: source.shortNames } : {}),
        ...(categories.length > 0 ? { categories } : {}),
      },
      scope: resource.namespaced ? "Namespaced" : "Cluster",
      versions: [
        {
          name: versionOf(resource.apiVersion),
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: source.printerColumns,
          schema: { openAPIV3Schema: renderCrdSchema(source) },
        },
      ],
    },
  };
}
