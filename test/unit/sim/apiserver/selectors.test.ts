import { describe, expect, it } from "@jest/globals";
import { ApiError } from "../../../../src/sim/apiserver/errors.ts";
import {
  fieldValue,
  matchesFields,
  matchesLabels,
  matchesLabelSelectorObject,
  parseFieldSelector,
  parseLabelSelector,
} from "../../../../src/sim/apiserver/selectors.ts";

const labels = { app: "web", tier: "front", "node-role.kubernetes.io/worker": "true" };

describe("label selectors", () => {
  it.each([
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app!=web", false],
    ["app!=db", true],
    ["app in (web, db)", true],
    ["app notin (web,db)", false],
    ["tier,app=web", true],
    ["missing", false],
    ["!missing", true],
    ["!app", false],
    ["node-role.kubernetes.io/worker", true],
    ["app in (db),tier=front", false],
    ["missing!=x", true],
  ])("%s selects: %s", (selector, expected) => {
    expect(matchesLabels(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it.each(["app=", "=x", "a b c", "app in (a b)"])("rejects or accepts %s as the real parser", (selector) => {
    // `app=` is valid (empty value); the others are malformed and answer 400.
    if (selector === "app=")
      expect(parseLabelSelector(selector)).toEqual([{ key: "app", operator: "=", values: [""] }]);
    else expect(() => parseLabelSelector(selector)).toThrow(ApiError);
  });

  it.each([
    [{ matchLabels: { app: "web" } }, true],
    [{ matchLabels: { app: "db" } }, false],
    [{}, true],
    [{ matchExpressions: [{ key: "tier", operator: "In", values: ["front"] }] }, true],
    [{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }, false],
    [null, false],
  ])("LabelSelector object %j selects: %s", (selector, expected) => {
    expect(matchesLabelSelectorObject(selector, labels)).toBe(expected);
  });
});

describe("field selectors", () => {
  const pod = { metadata: { name: "p1", namespace: "ns" }, spec: { nodeName: "n1" }, status: { phase: "Running" } };

  it.each([
    ["spec.nodeName=n1", true],
    ["spec.nodeName==n1", true],
    ["spec.nodeName=n2", false],
    ["spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed", true],
    ["metadata.name=p1,metadata.namespace=ns", true],
    ["status.phase!=Running", false],
  ])("%s matches: %s", (selector, expected) => {
    expect(matchesFields(parseFieldSelector(selector, ["spec.nodeName", "status.phase"]), pod)).toBe(expected);
  });

  it("answers 400 for a field the kind does not support, as the real server", () => {
    try {
      parseFieldSelector("spec.foo=bar", ["spec.nodeName"]);
      throw new Error("expected a 400");
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toBe("field label not supported: spec.foo");
    }
  });

  it("prints booleans and missing booleans like the real field sets", () => {
    expect(fieldValue({ spec: { unschedulable: true } }, "spec.unschedulable")).toBe("true");
    expect(fieldValue({ spec: {} }, "spec.unschedulable")).toBe("false");
    expect(fieldValue({ source: { component: "kubelet" } }, "source")).toBe("kubelet");
  });
});
