import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import {
  completionLabelKey,
  completionRecord,
  encodeClaim,
  readClaim,
  recordedDurationMs,
  targetHash,
} from "../../../src/rollout/claim.ts";
import { labelSelectorString, matchesLabelSelector } from "../../../src/rollout/selector.ts";
import { claim } from "./fixtures.ts";

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

describe("claims and completion labels", () => {
  it("round-trips a claim and ignores garbage", () => {
    const value = claim({ failed: "boom" });
    expect(readClaim({ "rke2-lifecycle.io/rollout": encodeClaim(value) })).toEqual(value);
    expect(readClaim({ "rke2-lifecycle.io/rollout": "{not json" })).toBeUndefined();
    expect(readClaim({ "rke2-lifecycle.io/rollout": JSON.stringify({ owner: "x" }) })).toBeUndefined();
    expect(readClaim(undefined)).toBeUndefined();
  });

  it("records a node's duration for one target only, and ignores garbage", () => {
    const key = completionLabelKey("UpgradePlan", "p");
    const record = completionRecord(key, { targetHash: "abc", now: Date.UTC(2026, 0, 1) }, 125_400);
    expect(JSON.parse(record[key] ?? "")).toEqual({
      target: "abc",
      durationMs: 125_400,
      finishedAt: "2026-01-01T00:00:00.000Z",
    });
    expect(recordedDurationMs(record, key, "abc")).toBe(125_400);
    expect(recordedDurationMs(record, key, "other")).toBeUndefined();
    expect(recordedDurationMs({ [key]: "{not json" }, key, "abc")).toBeUndefined();
    expect(completionRecord(key, { targetHash: "abc", now: 0 }, undefined)).toEqual({});
  });

  it("hashes targets into valid label values", () => {
    expect(targetHash("v1.31.4+rke2r1")).toMatch(/^[0-9a-f]{16}$/);
    expect(targetHash("v1.31.4+rke2r1")).not.toBe(targetHash("v1.31.4+rke2r2"));
  });

  it("keeps short keys readable", () => {
    expect(completionLabelKey("UpgradePlan", "v1-31-4")).toBe("rke2-lifecycle.io/upgradeplan.v1-31-4");
  });

  it("always yields a valid, distinct label key for any object name", () => {
    const dnsName = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/);
    fc.assert(
      fc.property(dnsName, dnsName, (a, b) => {
        const key = completionLabelKey("UpgradePlan", a);
        const name = key.slice("rke2-lifecycle.io/".length);
        expect(name.length).toBeLessThanOrEqual(63);
        expect(name).toMatch(LABEL_NAME);
        if (a !== b) expect(completionLabelKey("UpgradePlan", b)).not.toBe(key);
      }),
    );
  });
});

describe("label selectors", () => {
  const selector = {
    matchLabels: { tier: "web" },
    matchExpressions: [
      { key: "zone", operator: "In" as const, values: ["a", "b"] },
      { key: "legacy", operator: "DoesNotExist" as const },
    ],
  };
  it.each<[Record<string, string>, boolean]>([
    [{ tier: "web", zone: "a" }, true],
    [{ tier: "web", zone: "c" }, false],
    [{ tier: "web", zone: "a", legacy: "" }, false],
    [{ zone: "a" }, false],
  ])("matches %j: %s", (labels, expected) => {
    expect(matchesLabelSelector(selector, labels)).toBe(expected);
  });
  it("matches everything when empty and renders the API string form", () => {
    expect(matchesLabelSelector(undefined, {})).toBe(true);
    expect(matchesLabelSelector({}, { a: "b" })).toBe(true);
    expect(labelSelectorString(selector)).toBe("tier=web,zone in (a,b),!legacy");
    expect(
      labelSelectorString({
        matchExpressions: [
          { key: "x", operator: "NotIn", values: ["1"] },
          { key: "y", operator: "Exists" },
        ],
      }),
    ).toBe("x notin (1),y");
  });
});
