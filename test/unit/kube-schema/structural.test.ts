import { describe, expect, it } from "@jest/globals";
import { checkCelCostBounds, checkStructural, type JSONSchemaProps } from "../../../src/kube-schema/index.ts";

const root = (spec: JSONSchemaProps): JSONSchemaProps => ({
  type: "object",
  properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec },
});

describe("checkStructural", () => {
  it("admits a plain structural schema", () => {
    const schema = root({
      type: "object",
      properties: {
        count: { type: "integer", minimum: 1, default: 5 },
        workers: {
          "x-kubernetes-int-or-string": true,
          anyOf: [{ type: "integer" }, { type: "string" }],
          pattern: "^[0-9]+%$",
        },
        labels: { type: "object", additionalProperties: { type: "string" } },
        anything: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        conditions: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["type"],
          items: { type: "object", properties: { type: { type: "string" } }, required: ["type"] },
        },
        either: {
          type: "object",
          properties: { a: { type: "string" }, b: { type: "string" } },
          oneOf: [{ required: ["a"] }, { required: ["b"] }],
        },
      },
      "x-kubernetes-validations": [{ rule: "self.count >= 1" }],
    });
    expect(checkStructural(schema)).toEqual([]);
  });

  it.each<[string, JSONSchemaProps, string]>([
    [
      "a field without type",
      root({ type: "object", properties: { x: {} } }),
      "properties[spec].properties[x].type: Required value: must not be empty for specified object fields",
    ],
    [
      "array items without type",
      root({ type: "array", items: {} }),
      "items.type: Required value: must not be empty for specified array items",
    ],
    ["an array without items", root({ type: "array" }), "properties[spec].items: Required value"],
    [
      "properties next to additionalProperties",
      root({ type: "object", properties: { a: { type: "string" } }, additionalProperties: false }),
      "additionalProperties and properties are mutual exclusive",
    ],
    ["additionalProperties: false", root({ type: "object", additionalProperties: false }), "must not be false"],
    ["$ref", root({ type: "object", $ref: "#/definitions/x" }), "$ref: Forbidden"],
    [
      "$schema",
      { ...root({ type: "object" }), $schema: "http://json-schema.org/draft-07/schema#" },
      "$schema: Forbidden",
    ],
    ["definitions", root({ type: "object", definitions: {} }), "definitions: Forbidden"],
    ["patternProperties", root({ type: "object", patternProperties: {} }), "patternProperties: Forbidden"],
    ["readOnly", root({ type: "string", readOnly: true }), "readOnly: Forbidden"],
    ["an unknown keyword", root({ type: "string", examples: ["a"] }), 'unknown field "examples"'],
    [
      "type inside anyOf",
      root({ type: "string", anyOf: [{ type: "string", pattern: "a" }] }),
      "anyOf[0].type: Forbidden: must be empty to be structural",
    ],
    [
      "description inside oneOf",
      root({ type: "string", oneOf: [{ description: "d" }] }),
      "oneOf[0].description: Forbidden",
    ],
    ["default inside allOf", root({ type: "string", allOf: [{ default: "x" }] }), "allOf[0].default: Forbidden"],
    ["nullable inside not", root({ type: "string", not: { nullable: true } }), "not.nullable: Forbidden"],
    [
      "a field only declared inside anyOf",
      root({ type: "object", anyOf: [{ properties: { ghost: { minLength: 1 } } }] }),
      "properties[ghost]: Required value: because it is defined in a junctor",
    ],
    [
      "int-or-string with a typed anyOf carrying a pattern",
      root({ "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string", pattern: "%$" }] }),
      "anyOf[1].type: Forbidden",
    ],
    ["a root that is not an object", { type: "string" }, "must be object at the root"],
    [
      "additionalProperties at the root",
      { type: "object", additionalProperties: { type: "string" } },
      "must not be used at the root",
    ],
    [
      "metadata with more than name",
      { type: "object", properties: { metadata: { type: "object", properties: { labels: { type: "object" } } } } },
      "must not specify anything other than name and generateName",
    ],
    [
      "metadata with a default",
      { type: "object", properties: { metadata: { type: "object", default: {} } } },
      "must not specify anything other than name and generateName",
    ],
    [
      "a default that does not validate",
      root({ type: "integer", minimum: 1, default: 0 }),
      "properties[spec].default: Invalid value",
    ],
    [
      "a default with unknown fields",
      root({ type: "object", properties: { a: { type: "string" } }, default: { b: "x" } }),
      "must not have unknown fields (b)",
    ],
    [
      "a map list without keys",
      root({ type: "array", "x-kubernetes-list-type": "map", items: { type: "object" } }),
      "x-kubernetes-list-map-keys: Required value",
    ],
    [
      "a map list keyed by an optional field",
      root({
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["k"],
        items: { type: "object", properties: { k: { type: "string" } } },
      }),
      "k must be required or have a default",
    ],
    [
      "a CEL rule that does not compile",
      root({ type: "object", "x-kubernetes-validations": [{ rule: "self.a ==" }] }),
      "compilation failed",
    ],
    [
      "x-kubernetes-validations inside allOf",
      root({ type: "object", allOf: [{ "x-kubernetes-validations": [{ rule: "true" }] }] }),
      "allOf[0].x-kubernetes-validations: Forbidden",
    ],
    ["uniqueItems", root({ type: "array", items: { type: "string" }, uniqueItems: true }), "uniqueItems: Forbidden"],
    [
      "a numeric exclusiveMinimum",
      root({ type: "integer", exclusiveMinimum: 0 as unknown as boolean }),
      "exclusiveMinimum: Invalid value",
    ],
  ])("refuses %s", (_name, schema, fragment) => {
    const violations = checkStructural(schema);
    expect(violations.some((v) => v.includes(fragment))).toBe(true);
  });
});

describe("checkCelCostBounds", () => {
  it("accepts rules over bounded data", () => {
    const schema = root({
      type: "object",
      properties: {
        items: {
          type: "array",
          maxItems: 10,
          items: {
            type: "object",
            properties: { name: { type: "string", maxLength: 20 } },
            "x-kubernetes-validations": [{ rule: "self.name != ''" }],
          },
        },
      },
    });
    expect(checkCelCostBounds(schema)).toEqual([]);
  });

  it.each<[string, JSONSchemaProps, string]>([
    [
      "a rule under a list without maxItems",
      root({ type: "array", items: { type: "object", "x-kubernetes-validations": [{ rule: "true" }] } }),
      "has no maxItems",
    ],
    [
      "a rule reading an unbounded string",
      root({
        type: "object",
        properties: { s: { type: "string" } },
        "x-kubernetes-validations": [{ rule: "self.s.matches('a')" }],
      }),
      "needs maxLength",
    ],
    [
      "a rule on an unbounded list",
      root({
        type: "array",
        items: { type: "string", maxLength: 3 },
        "x-kubernetes-validations": [{ rule: "self.all(x, x != 'a')" }],
      }),
      "needs maxItems",
    ],
  ])("flags %s", (_name, schema, fragment) => {
    expect(checkCelCostBounds(schema).join("\n")).toContain(fragment);
  });
});
