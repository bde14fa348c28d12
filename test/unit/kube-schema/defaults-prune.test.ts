import { describe, expect, it } from "@jest/globals";
import { applyDefaults, prune, type JSONSchemaProps } from "../../../src/kube-schema/index.ts";

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: {
      type: "object",
      properties: {
        replicas: { type: "integer", default: 1 },
        mode: { type: "string", default: "fast" },
        note: { type: "string", nullable: true },
        gate: {
          type: "object",
          default: {},
          properties: { timeout: { type: "string", default: "15m" }, settle: { type: "string", default: "30s" } },
        },
        drains: {
          type: "array",
          items: {
            type: "object",
            properties: { enabled: { type: "boolean", default: true }, name: { type: "string" } },
          },
        },
        labels: {
          type: "object",
          additionalProperties: { type: "object", properties: { v: { type: "string", default: "x" } } },
        },
        free: {
          type: "object",
          "x-kubernetes-preserve-unknown-fields": true,
          properties: { known: { type: "object", properties: {} } },
        },
      },
    },
  },
};

describe("applyDefaults", () => {
  it("fills absent fields, recursing into defaulted objects, list items and map values", () => {
    const input = {
      apiVersion: "v",
      kind: "K",
      metadata: { name: "n" },
      spec: { mode: "slow", drains: [{ name: "a" }, { enabled: false }], labels: { a: {} } },
    };
    expect(applyDefaults(schema, input)).toEqual({
      apiVersion: "v",
      kind: "K",
      metadata: { name: "n" },
      spec: {
        replicas: 1,
        mode: "slow",
        gate: { timeout: "15m", settle: "30s" },
        drains: [{ name: "a", enabled: true }, { enabled: false }],
        labels: { a: { v: "x" } },
      },
    });
  });

  it("does not touch its input", () => {
    const input = { spec: {} };
    applyDefaults(schema, input);
    expect(input).toEqual({ spec: {} });
  });

  it("keeps an explicit partial object and defaults inside it", () => {
    expect(applyDefaults(schema, { spec: { gate: { timeout: "1m" } } })).toMatchObject({
      spec: { gate: { timeout: "1m", settle: "30s" } },
    });
  });

  it("replaces null in a non-nullable field by its default, drops it without one, keeps it when nullable", () => {
    const result = applyDefaults(schema, { spec: { replicas: null, drains: null, note: null } }) as {
      spec: Record<string, unknown>;
    };
    expect(result.spec.replicas).toBe(1);
    expect(result.spec).not.toHaveProperty("drains");
    expect(result.spec.note).toBeNull();
  });

  it("does not create a missing parent without a default", () => {
    expect(applyDefaults(schema, { apiVersion: "v" })).toEqual({ apiVersion: "v" });
  });
});

describe("prune", () => {
  it("drops undeclared fields everywhere and names them", () => {
    const input = {
      apiVersion: "v",
      kind: "K",
      metadata: { name: "n", labels: { a: "b" } },
      extra: 1,
      spec: {
        replicas: 2,
        typo: true,
        drains: [{ name: "a", bogus: 1 }],
        labels: { k: { v: "1", w: "2" } },
        free: { any: { thing: 1 }, known: { dropped: 1 } },
      },
    };
    const { value, pruned } = prune(schema, input);
    expect(value).toEqual({
      apiVersion: "v",
      kind: "K",
      metadata: { name: "n", labels: { a: "b" } },
      spec: { replicas: 2, drains: [{ name: "a" }], labels: { k: { v: "1" } }, free: { any: { thing: 1 }, known: {} } },
    });
    expect(pruned.sort()).toEqual(
      ["extra", "spec.drains[0].bogus", "spec.free.known.dropped", "spec.labels[k].w", "spec.typo"].sort(),
    );
  });

  it("keeps apiVersion/kind/metadata of embedded resources", () => {
    const embedded: JSONSchemaProps = {
      type: "object",
      properties: {
        template: {
          type: "object",
          "x-kubernetes-embedded-resource": true,
          properties: { spec: { type: "object", properties: {} } },
        },
      },
    };
    const { value, pruned } = prune(embedded, {
      template: { apiVersion: "v1", kind: "Pod", metadata: {}, spec: { x: 1 }, junk: 1 },
    });
    expect(value).toEqual({ template: { apiVersion: "v1", kind: "Pod", metadata: {}, spec: {} } });
    expect(pruned).toEqual(["template.spec.x", "template.junk"]);
  });
});
