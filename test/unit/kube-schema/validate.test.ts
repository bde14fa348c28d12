import { describe, expect, it } from "@jest/globals";
import { validate } from "../../../src/kube-schema/index.ts";
import { spec } from "./fixtures.ts";

describe("validate: OpenAPI v3", () => {
  const schema = spec(
    {
      count: { type: "integer", minimum: 1, maximum: 10 },
      ratio: { type: "number", exclusiveMinimum: true, minimum: 0 },
      name: { type: "string", minLength: 2, maxLength: 5, pattern: "^[a-z]+$" },
      mode: { type: "string", enum: ["a", "b"] },
      tags: { type: "array", maxItems: 2, minItems: 1, items: { type: "string" }, "x-kubernetes-list-type": "set" },
      entries: {
        type: "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["type"],
        items: { type: "object", required: ["type"], properties: { type: { type: "string" }, n: { type: "integer" } } },
      },
      when: { type: "string", format: "date-time" },
      note: { type: "string", nullable: true },
      workers: {
        "x-kubernetes-int-or-string": true,
        anyOf: [{ type: "integer" }, { type: "string" }],
        minimum: 1,
        pattern: "^[0-9]+%$",
      },
      labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
      choice: {
        type: "object",
        properties: { a: { type: "string" }, b: { type: "string" } },
        oneOf: [{ required: ["a"] }, { required: ["b"] }],
      },
      notEmpty: { type: "string", not: { enum: [""] } },
    },
    { required: ["count"] },
  );
  const check = (value: Record<string, unknown>) => validate(schema, { spec: { count: 1, ...value } });

  it("accepts a valid object", () => {
    expect(
      check({
        ratio: 0.5,
        name: "abc",
        mode: "a",
        tags: ["x"],
        entries: [{ type: "A", n: 1 }, { type: "B" }],
        when: "2026-01-01T00:00:00Z",
        note: null,
        workers: "20%",
        labels: { k: "v" },
        choice: { a: "1" },
        notEmpty: "x",
      }),
    ).toEqual([]);
    expect(check({ workers: 3 })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, { reason: string; field: string; message: string }]>([
    [
      "below minimum",
      { count: 0 },
      {
        reason: "FieldValueInvalid",
        field: "spec.count",
        message: "Invalid value: 0: spec.count in body should be greater than or equal to 1",
      },
    ],
    [
      "above maximum",
      { count: 11 },
      {
        reason: "FieldValueInvalid",
        field: "spec.count",
        message: "Invalid value: 11: spec.count in body should be less than or equal to 10",
      },
    ],
    [
      "wrong type",
      { count: "3" },
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.count",
        message: 'Invalid value: "string": spec.count in body must be of type integer: "string"',
      },
    ],
    [
      "a fraction for an integer",
      { count: 1.5 },
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.count",
        message: 'Invalid value: "number": spec.count in body must be of type integer: "number"',
      },
    ],
    [
      "exclusive minimum",
      { ratio: 0 },
      {
        reason: "FieldValueInvalid",
        field: "spec.ratio",
        message: "Invalid value: 0: spec.ratio in body should be greater than 0",
      },
    ],
    [
      "too long",
      { name: "abcdef" },
      { reason: "FieldValueTooLong", field: "spec.name", message: "Too long: may not be more than 5 bytes" },
    ],
    [
      "too short",
      { name: "a" },
      {
        reason: "FieldValueInvalid",
        field: "spec.name",
        message: 'Invalid value: "a": spec.name in body should be at least 2 chars long',
      },
    ],
    [
      "pattern",
      { name: "AB" },
      {
        reason: "FieldValueInvalid",
        field: "spec.name",
        message: "Invalid value: \"AB\": spec.name in body should match '^[a-z]+$'",
      },
    ],
    [
      "enum",
      { mode: "c" },
      {
        reason: "FieldValueNotSupported",
        field: "spec.mode",
        message: 'Unsupported value: "c": supported values: "a", "b"',
      },
    ],
    [
      "too many items",
      { tags: ["a", "b", "c"] },
      { reason: "FieldValueTooMany", field: "spec.tags", message: "Too many: 3: must have at most 2 items" },
    ],
    [
      "too few items",
      { tags: [] },
      {
        reason: "FieldValueInvalid",
        field: "spec.tags",
        message: 'Invalid value: "array": spec.tags in body should have at least 1 items',
      },
    ],
    [
      "set duplicates",
      { tags: ["a", "a"] },
      { reason: "FieldValueDuplicate", field: "spec.tags[1]", message: 'Duplicate value: "a"' },
    ],
    [
      "map-list duplicate keys",
      { entries: [{ type: "A" }, { type: "A", n: 2 }] },
      { reason: "FieldValueDuplicate", field: "spec.entries[1]", message: 'Duplicate value: ["A"]' },
    ],
    [
      "required in list items",
      { entries: [{ n: 1 }] },
      { reason: "FieldValueRequired", field: "spec.entries[0].type", message: "Required value" },
    ],
    [
      "date-time format",
      { when: "yesterday" },
      {
        reason: "FieldValueInvalid",
        field: "spec.when",
        message: 'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      },
    ],
    [
      "null in a non-nullable field",
      { mode: null },
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.mode",
        message: 'Invalid value: "null": spec.mode in body must be of type string: "null"',
      },
    ],
    [
      "int-or-string of another type",
      { workers: true },
      {
        reason: "FieldValueTypeInvalid",
        field: "spec.workers",
        message: 'Invalid value: "boolean": spec.workers in body must be of type integer,string: "boolean"',
      },
    ],
    [
      "int-or-string integer bound",
      { workers: 0 },
      {
        reason: "FieldValueInvalid",
        field: "spec.workers",
        message: "Invalid value: 0: spec.workers in body should be greater than or equal to 1",
      },
    ],
    [
      "int-or-string string pattern",
      { workers: "five" },
      {
        reason: "FieldValueInvalid",
        field: "spec.workers",
        message: "Invalid value: \"five\": spec.workers in body should match '^[0-9]+%$'",
      },
    ],
    [
      "map values",
      { labels: { k: "long" } },
      { reason: "FieldValueTooLong", field: "spec.labels[k]", message: "Too long: may not be more than 3 bytes" },
    ],
    [
      "oneOf with both",
      { choice: { a: "1", b: "2" } },
      {
        reason: "FieldValueInvalid",
        field: "spec.choice",
        message: 'Invalid value: "object": spec.choice in body must validate one and only one schema (oneOf)',
      },
    ],
    [
      "not",
      { notEmpty: "" },
      {
        reason: "FieldValueInvalid",
        field: "spec.notEmpty",
        message: 'Invalid value: "": spec.notEmpty in body must not validate the schema (not)',
      },
    ],
  ])("reports %s", (_name, value, issue) => {
    expect(check(value)).toEqual([issue]);
  });

  it("reports a missing required field", () => {
    expect(validate(schema, { spec: {} })).toEqual([
      { reason: "FieldValueRequired", field: "spec.count", message: "Required value" },
    ]);
  });

  it("anyOf needs one branch to hold", () => {
    const anyOf = spec({ x: { type: "string", anyOf: [{ pattern: "^a" }, { pattern: "^b" }] } });
    expect(validate(anyOf, { spec: { x: "ab" } })).toEqual([]);
    expect(validate(anyOf, { spec: { x: "c" } })).toEqual([
      {
        reason: "FieldValueInvalid",
        field: "spec.x",
        message: 'Invalid value: "c": spec.x in body must validate at least one schema (anyOf)',
      },
    ]);
  });
});
