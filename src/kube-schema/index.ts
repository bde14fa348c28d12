/**
 * What a real kube-apiserver does with a CRD's openAPIV3Schema, as one module: the structural
 * check that admits a CRD, defaulting, pruning of unknown fields, OpenAPI validation and CEL
 * (`x-kubernetes-validations`, transition rules with `oldSelf` included).
 * Used by the simulated API server to serve custom resources and by the tests of our own CRDs.
 *
 * The functions live in one file per concern and are re-exported at the end of this file.
 */

/** The subset of apiextensions.k8s.io/v1 JSONSchemaProps the project produces and checks. */
export interface JSONSchemaProps {
  type?: string;
  description?: string;
  format?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: ValidationRule[];
  [other: string]: unknown;
}

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** One problem, shaped like a metav1.StatusCause of a 422 Invalid answer. */
export interface FieldIssue {
  /**
   * `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueTypeInvalid`,
   * `FieldValueTooLong`, `FieldValueForbidden`, ...
   */
  reason: string;
  /** JSON path in Kubernetes style, e.g. `spec.retention.count`. */
  field: string;
  message: string;
}

export { checkStructural } from "./structural.ts";
export { checkCelCostBounds } from "./cel-cost.ts";
export { applyDefaults } from "./defaults.ts";
export { prune } from "./prune.ts";
export { validate } from "./validate.ts";
