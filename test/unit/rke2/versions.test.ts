import { describe, expect, it } from "@jest/globals";
import {
  checkSkew,
  compareRke2Versions,
  parseRke2Version,
  upgradeImageTag,
  type Rke2Version,
} from "../../../src/rke2/versions.ts";

function v(text: string): Rke2Version {
  const parsed = parseRke2Version(text);
  if (!parsed) throw new Error(`test version ${text} does not parse`);
  return parsed;
}

describe("parseRke2Version", () => {
  it.each([
    ["v1.31.4+rke2r1", { major: 1, minor: 31, patch: 4, revision: 1, prerelease: "", raw: "v1.31.4+rke2r1" }],
    ["1.30.6+rke2r2", { major: 1, minor: 30, patch: 6, revision: 2, prerelease: "", raw: "v1.30.6+rke2r2" }],
    [
      "v1.32.0-rc1+rke2r1",
      { major: 1, minor: 32, patch: 0, revision: 1, prerelease: "rc1", raw: "v1.32.0-rc1+rke2r1" },
    ],
    ["v1.31.4", { major: 1, minor: 31, patch: 4, revision: 0, prerelease: "", raw: "v1.31.4" }],
  ])("parses %s", (text, expected) => {
    expect(parseRke2Version(text)).toEqual(expected);
  });

  it.each(["", "latest", "v1.31", "v1.31.4+k3s1", "v1.31.x+rke2r1"])("rejects %j", (text) => {
    expect(parseRke2Version(text)).toBeUndefined();
  });
});

describe("compareRke2Versions", () => {
  it.each([
    ["v1.31.4+rke2r1", "v1.31.4+rke2r2", -1],
    ["v1.31.4+rke2r2", "v1.31.4+rke2r1", 1],
    ["v1.31.4+rke2r1", "v1.31.4+rke2r1", 0],
    ["v1.30.9+rke2r3", "v1.31.0+rke2r1", -1],
    ["v1.32.0-rc1+rke2r1", "v1.32.0+rke2r1", -1],
  ])("%s vs %s", (a, b, sign) => {
    expect(Math.sign(compareRke2Versions(v(a), v(b)))).toBe(sign);
  });
});

describe("checkSkew", () => {
  const strict = { allowMinorSkip: false, allowDowngrade: false };
  it.each([
    ["v1.30.6+rke2r1", "v1.30.6+rke2r1", strict, true, "same"],
    ["v1.30.6+rke2r1", "v1.30.9+rke2r1", strict, true, "patch"],
    ["v1.30.6+rke2r1", "v1.31.4+rke2r1", strict, true, "minor"],
    ["v1.30.6+rke2r1", "v1.32.1+rke2r1", strict, false, "skip"],
    ["v1.30.6+rke2r1", "v1.32.1+rke2r1", { allowMinorSkip: true, allowDowngrade: false }, true, "skip"],
    ["v1.31.4+rke2r1", "v1.30.6+rke2r1", strict, false, "downgrade"],
    ["v1.31.4+rke2r2", "v1.31.4+rke2r1", strict, false, "downgrade"],
    ["v1.31.4+rke2r1", "v1.30.6+rke2r1", { allowMinorSkip: false, allowDowngrade: true }, true, "downgrade"],
    ["v1.31.4+rke2r1", "v2.0.0+rke2r1", { allowMinorSkip: true, allowDowngrade: true }, false, "major"],
  ])("%s -> %s", (current, target, policy, allowed, kind) => {
    const verdict = checkSkew(v(current), v(target), policy);
    expect(verdict.allowed).toBe(allowed);
    expect(verdict.kind).toBe(kind);
    if (!verdict.allowed) expect(verdict.message).toContain(target);
  });
});

it("turns + into - for the upgrade image tag", () => {
  expect(upgradeImageTag("v1.31.4+rke2r1")).toBe("v1.31.4-rke2r1");
  expect(upgradeImageTag("v1.30.0-rc1+rke2r2")).toBe("v1.30.0-rc1-rke2r2");
});
