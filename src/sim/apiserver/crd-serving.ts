/**
 * What apiextensions-apiserver does with a CRD: admit it (names, versions, structural schema),
 * turn it into a served resource, and treat custom resources as the real server does:
 * unknown fields pruned, defaults applied, OpenAPI + CEL validation (src/kube-schema).
 */
import { applyDefaults, checkStructural, prune, validate, type JSONSchemaProps } from "../../kube-schema/index.ts";
import { badRequest, invalid, type StatusCause } from "./errors.ts";
import { isObject, metaOf, stringField, stringList, type JsonObject } from "./json.ts";
import { compareKubeVersions } from "./catalog.ts";
import type { PrinterColumn, ResourceDef } from "./resources.ts";

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: JSONSchemaProps | undefined;
  status: boolean;
  printerColumns: PrinterColumn[];
}

function versionsOf(spec: JsonObject): CrdVersion[] {
  const raw = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  return raw.map((v) => {
    const schema =
      isObject(v.schema) && isObject(v.schema.openAPIV3Schema)
        ? (v.schema.openAPIV3Schema as JSONSchemaProps)
        : undefined;
    const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns.filter(isObject) : [];
    return {
      name: stringField(v, "name") ?? "",
      served: v.served === true,
      storage: v.storage === true,
      schema,
      status: isObject(v.subresources) && isObject(v.subresources.status),
      printerColumns: columns.map((c) => ({
        name: stringField(c, "name") ?? "",
        type: stringField(c, "type") ?? "string",
        jsonPath: stringField(c, "jsonPath") ?? "",
        description: stringField(c, "description"),
        format: stringField(c, "format"),
        priority: typeof c.priority === "number" ? c.priority : 0,
      })),
    };
  });
}

/** Checks a CRD as the real admission does; returns the 422 causes (empty when admissible). */
export function crdProblems(crd: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const group = stringField(spec, "group") ?? "";
  const plural = stringField(names, "plural") ?? "";
  const name = stringField(metaOf(crd), "name") ?? "";
  const required = (field: string, value: string): void => {
    if (!value) causes.push({ reason: "FieldValueRequired", field, message: "Required value" });
  };
  required("spec.group", group);
  required("spec.names.plural", plural);
  required("spec.names.kind", stringField(names, "kind") ?? "");
  if (group && plural && name !== `${plural}.${group}`) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
    });
  }
  const scope = stringField(spec, "scope");
  if (scope !== "Namespaced" && scope !== "Cluster") {
    causes.push({
      reason: "FieldValueNotSupported",
      field: "spec.scope",
      message: `Unsupported value: "${scope ?? ""}": supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = versionsOf(spec);
  if (versions.filter((v) => v.storage).length !== 1) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.versions",
      message: "Invalid value: must have exactly one version marked as storage version",
    });
  }
  versions.forEach((v, i) => {
    if (!v.schema) {
      causes.push({
        reason: "FieldValueRequired",
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        message: "Required value: schemas are required",
      });
      return;
    }
    for (const problem of checkStructural(v.schema)) {
      causes.push({
        reason: "FieldValueInvalid",
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
        message: problem,
      });
    }
  });
  return causes;
}

/** The served resource of an admitted CRD. */
export function resourceOfCrd(crd: JsonObject): ResourceDef {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions = versionsOf(spec).filter((v) => v.served);
  const kind = stringField(names, "kind") ?? "";
  const plural = stringField(names, "plural") ?? "";
  return {
    group: stringField(spec, "group") ?? "",
    versions: versions.map((v) => v.name).sort(compareKubeVersions),
    kind,
    listKind: stringField(names, "listKind") ?? `${kind}List`,
    plural,
    singular: stringField(names, "singular") ?? kind.toLowerCase(),
    namespaced: stringField(spec, "scope") === "Namespaced",
    shortNames: stringList(names.shortNames),
    categories: stringList(names.categories),
    statusSubresource: versions.some((v) => v.status),
    tracksGeneration: true,
    builtin: false,
    fieldLabels: [],
    custom: {
      crdName: stringField(metaOf(crd), "name") ?? "",
      schemas: Object.fromEntries(versions.map((v) => [v.name, v.schema])),
      printerColumns: Object.fromEntries(versions.map((v) => [v.name, v.printerColumns])),
    },
  };
}

/** The status the apiextensions controllers give an admitted CRD. */
export function establishedStatus(crd: JsonObject, now: string): JsonObject {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const storage = versionsOf(spec).find((v) => v.storage)?.name;
  const condition = (type: string, reason: string, message: string): JsonObject => ({
    type,
    status: "True",
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: structuredClone(spec.names),
    storedVersions: storage ? [storage] : [],
    conditions: [
      condition("NamesAccepted", "NoConflicts", "no conflicts found"),
      condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
    ],
  };
}

export interface CustomResourceCheck {
  object: JsonObject;
  /** Paths of unknown fields that were dropped (a 400 under fieldValidation=Strict). */
  pruned: string[];
}

/**
 * Prunes, defaults and validates a custom resource against its version's schema, the order the
 * real server uses; throws 422 Invalid with the field causes.
 */
export function admitCustomResource(
  def: ResourceDef,
  version: string,
  object: JsonObject,
  old: JsonObject | undefined,
): CustomResourceCheck {
  const schema = def.custom?.schemas[version];
  if (!schema) return { object, pruned: [] };
  const { value, pruned } = prune(schema, object);
  if (!isObject(value)) throw badRequest("the object could not be decoded");
  const defaulted = applyDefaults(schema, value);
  if (!isObject(defaulted)) throw badRequest("the object could not be decoded");
  // ObjectMeta is pruned by its own (built-in) schema on the real server, not by the CRD's.
  defaulted.metadata = object.metadata;
  defaulted.apiVersion = object.apiVersion;
  defaulted.kind = object.kind;
  const issues = validate(schema, defaulted, old);
  if (issues.length > 0) {
    const name = stringField(metaOf(object), "name") ?? "";
    throw invalid(
      def.group,
      def.kind,
      name,
      issues.map((i) => ({ reason: i.reason, field: i.field, message: i.message })),
    );
  }
  return { object: defaulted, pruned: pruned.filter((p) => !/^(metadata|apiVersion|kind)(\.|$)/.test(p)) };
}
