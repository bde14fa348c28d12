import { describe, expect, it } from "@jest/globals";
import { validate, type JSONSchemaProps } from "../../../src/kube-schema/index.ts";
import { spec } from "./fixtures.ts";

describe("validate: CEL x-kubernetes-validations", () => {
  const withRules = (
    rules: JSONSchemaProps["x-kubernetes-validations"],
    properties: Record<string, JSONSchemaProps> = {},
  ) =>
    spec(
      {
        min: { type: "integer" },
        max: { type: "integer" },
        name: { type: "string", maxLength: 20 },
        items: { type: "array", maxItems: 5, items: { type: "string", maxLength: 5 } },
        ...properties,
      },
      { "x-kubernetes-validations": rules },
    );

  it.each<[string, string, Record<string, unknown>, boolean]>([
    ["integer comparison and arithmetic", "self.min + 1 <= self.max", { min: 1, max: 2 }, true],
    ["integer comparison failing", "self.min <= self.max", { min: 3, max: 2 }, false],
    ["has() on absent field", "!has(self.name) || self.name != ''", {}, true],
    ["size and matches", "size(self.name) < 10 && self.name.matches('^[a-z]+$')", { name: "abc" }, true],
    ["list macros", "self.items.all(i, i.startsWith('a'))", { items: ["ab", "ac"] }, true],
    ["list macros failing", "self.items.exists(i, i == 'z')", { items: ["ab"] }, false],
    [
      "strings extension",
      "self.name.split('-').size() == 2 && self.name.lowerAscii() == self.name",
      { name: "a-b" },
      true,
    ],
  ])("%s", (_name, rule, value, passes) => {
    const issues = validate(withRules([{ rule, message: "nope" }]), { spec: value });
    expect(issues).toEqual(
      passes ? [] : [{ reason: "FieldValueInvalid", field: "spec", message: 'Invalid value: "object": nope' }],
    );
  });

  it("uses messageExpression, fieldPath and reason", () => {
    const schema = withRules([
      {
        rule: "self.min <= self.max",
        messageExpression: "'min ' + string(self.min) + ' exceeds max'",
        fieldPath: ".min",
        reason: "FieldValueForbidden",
      },
    ]);
    expect(validate(schema, { spec: { min: 5, max: 1 } })).toEqual([
      { reason: "FieldValueForbidden", field: "spec.min", message: "Forbidden: min 5 exceeds max" },
    ]);
  });

  it("falls back to a default message", () => {
    expect(validate(withRules([{ rule: "self.min == 0" }]), { spec: { min: 1 } })[0]?.message).toBe(
      'Invalid value: "object": failed rule: self.min == 0',
    );
  });

  it("fails clearly on functions it does not provide, never passes silently", () => {
    const issues = validate(withRules([{ rule: "self.items.isSorted()" }]), { spec: { items: ["a"] } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain("unbound function: isSorted");
  });

  it("reports evaluation errors such as reading an absent field", () => {
    const issues = validate(withRules([{ rule: "self.name == 'x'" }]), { spec: {} });
    expect(issues[0]?.message).toContain("rule evaluation error");
  });

  it("does not run rules on absent or mistyped nodes", () => {
    const schema = spec({ inner: { type: "object", properties: {}, "x-kubernetes-validations": [{ rule: "false" }] } });
    expect(validate(schema, { spec: {} })).toEqual([]);
    expect(validate(schema, { spec: { inner: "text" } }).map((i) => i.reason)).toEqual(["FieldValueTypeInvalid"]);
  });

  describe("transition rules", () => {
    const immutable = spec({
      name: {
        type: "string",
        maxLength: 20,
        "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "name is immutable" }],
      },
    });

    it("are skipped on create", () => {
      expect(validate(immutable, { spec: { name: "a" } })).toEqual([]);
    });

    it("compare with the old object on update", () => {
      expect(validate(immutable, { spec: { name: "a" } }, { spec: { name: "a" } })).toEqual([]);
      expect(validate(immutable, { spec: { name: "b" } }, { spec: { name: "a" } })).toEqual([
        { reason: "FieldValueInvalid", field: "spec.name", message: 'Invalid value: "string": name is immutable' },
      ]);
    });

    it("are skipped when the field is new in the update", () => {
      expect(validate(immutable, { spec: { name: "b" } }, { spec: {} })).toEqual([]);
    });

    it("correlate map-list items by key only", () => {
      const list = (listType: "map" | "atomic"): JSONSchemaProps =>
        spec({
          entries: {
            type: "array",
            maxItems: 5,
            "x-kubernetes-list-type": listType,
            ...(listType === "map" ? { "x-kubernetes-list-map-keys": ["type"] } : {}),
            items: {
              type: "object",
              required: ["type"],
              properties: { type: { type: "string", maxLength: 8 }, n: { type: "integer" } },
              "x-kubernetes-validations": [{ rule: "self.n >= oldSelf.n", message: "n may only grow" }],
            },
          },
        });
      const old = { spec: { entries: [{ type: "A", n: 5 }] } };
      const next = {
        spec: {
          entries: [
            { type: "B", n: 1 },
            { type: "A", n: 4 },
          ],
        },
      };
      expect(validate(list("map"), next, old)).toEqual([
        { reason: "FieldValueInvalid", field: "spec.entries[1]", message: 'Invalid value: "object": n may only grow' },
      ]);
      expect(validate(list("atomic"), next, old)).toEqual([]);
    });

    it("run on create with optionalOldSelf", () => {
      const schema = spec({
        name: {
          type: "string",
          maxLength: 20,
          "x-kubernetes-validations": [
            { rule: "!oldSelf.hasValue() || oldSelf.value() == self", optionalOldSelf: true, message: "immutable" },
          ],
        },
      });
      expect(validate(schema, { spec: { name: "a" } })).toEqual([]);
      expect(validate(schema, { spec: { name: "a" } }, { spec: { name: "a" } })).toEqual([]);
      expect(validate(schema, { spec: { name: "b" } }, { spec: { name: "a" } })).toHaveLength(1);
    });
  });
});
