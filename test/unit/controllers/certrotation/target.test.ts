import { describe, expect, it } from "@jest/globals";
import {
  chooseTarget,
  desiredTarget,
  knownTargets,
  RENEW_TARGET,
  triggerTarget,
} from "../../../../src/controllers/certrotation/target.ts";
import { targetHash } from "../../../../src/rollout/claim.ts";

describe("the rollout target", () => {
  it.each([
    [undefined, undefined, { target: RENEW_TARGET, triggerPending: false }],
    ["a", undefined, { target: "trigger:a", triggerPending: true }],
    ["a", "a", { target: RENEW_TARGET, triggerPending: false }],
    ["b", "a", { target: "trigger:b", triggerPending: true }],
    [undefined, "a", { target: RENEW_TARGET, triggerPending: false }],
  ])("trigger %p, last handled %p", (trigger, last, expected) => {
    expect(desiredTarget(trigger, last)).toEqual(expected);
  });

  const known = knownTargets("b", "a");
  it.each([
    ["no claims", [], { target: "trigger:b", pinned: false }],
    [
      "a node in progress for the desired target",
      [{ target: targetHash("trigger:b"), failed: false }],
      { target: "trigger:b", pinned: false },
    ],
    [
      "a node still in progress for renew",
      [{ target: targetHash(RENEW_TARGET), failed: false }],
      { target: RENEW_TARGET, pinned: true },
    ],
    [
      "a node in progress for the previous trigger",
      [{ target: targetHash("trigger:a"), failed: false }],
      { target: "trigger:a", pinned: true },
    ],
    [
      "only a failed node of renew: the new trigger retries it",
      [{ target: targetHash(RENEW_TARGET), failed: true }],
      { target: "trigger:b", pinned: false },
    ],
    [
      "a claim for a target no one can name any more",
      [{ target: targetHash("trigger:zzz"), failed: false }],
      { target: "trigger:b", pinned: false },
    ],
  ])("%s", (_name, claims, expected) => {
    expect(chooseTarget("trigger:b", claims, known)).toEqual(expected);
  });

  it("names every target a claim may carry", () => {
    expect(knownTargets(undefined, undefined)).toEqual([RENEW_TARGET]);
    expect(knownTargets("b", "a")).toEqual([RENEW_TARGET, triggerTarget("b"), triggerTarget("a")]);
    expect(knownTargets("a", "a")).toEqual([RENEW_TARGET, triggerTarget("a")]);
  });
});
