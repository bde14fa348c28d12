/** Builders shared by the kube-schema unit tests. */
import type { JSONSchemaProps } from "../../../src/kube-schema/index.ts";

/** A CRD schema whose `spec` has `properties` (and `extra` on the spec node). */
export const spec = (
  properties: Record<string, JSONSchemaProps>,
  extra: Partial<JSONSchemaProps> = {},
): JSONSchemaProps => ({
  type: "object",
  properties: { spec: { type: "object", properties, ...extra } },
});
