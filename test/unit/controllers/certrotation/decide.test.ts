import { describe, expect, it } from "@jest/globals";
import {
  decideRound,
  type DecideInput,
  type ObservedCertNode,
} from "../../../../src/controllers/certrotation/decide.ts";
import type { RotationRecord } from "../../../../src/controllers/certrotation/verify.ts";
import { targetHash, type NodeClaim } from "../../../../src/rollout/claim.ts";
import { assessed, DAY, inventory, NOW, typicalNode } from "./fixtures.ts";

const OWNER = "CertRotation/default";
const RENEW = targetHash("renew");

function node(name: string, extra: Partial<ObservedCertNode> = {}): ObservedCertNode {
  return {
    name,
    resourceVersion: "7",
    unschedulable: false,
    selected: true,
    doneHash: undefined,
    claim: undefined,
    ...extra,
  };
}

function claim(target: string, extra: Partial<NodeClaim> = {}): NodeClaim {
  return {
    owner: OWNER,
    target,
    attempts: 1,
    attemptStartedAt: new Date(NOW).toISOString(),
    wasUnschedulable: false,
    claimedAt: new Date(NOW).toISOString(),
    ...extra,
  };
}

/** Three nodes: `a` due (20 d), `b` and `c` fine, all reported. */
function input(overrides: Partial<DecideInput> = {}, records: Record<string, RotationRecord> = {}): DecideInput {
  const certs = { a: typicalNode("a", 20), b: typicalNode("b", 300), c: typicalNode("c", 300) };
  return {
    nowMs: NOW,
    owner: OWNER,
    completionLabel: "rke2-lifecycle.io/certrotation.default",
    trigger: undefined,
    lastTrigger: undefined,
    paused: false,
    windowOpen: true,
    services: [],
    renewBeforeMs: 30 * DAY,
    verifyTimeoutMs: 15 * 60_000,
    maxAttempts: 2,
    lockHeldByUs: false,
    nodes: [node("a"), node("b"), node("c")],
    assessments: new Map(Object.entries(certs).map(([name, list]) => [name, assessed(name, list)])),
    inventories: new Map(Object.entries(certs).map(([name, list]) => [name, inventory(name, list)])),
    rotationOf: (name, hash) => (hash === RENEW ? records[name] : undefined),
    ...overrides,
  };
}

describe("deciding a CertRotation round", () => {
  it("leaves the engine alone while nothing is due and nothing is in progress", () => {
    const plan = decideRound(input({ assessments: new Map([["b", assessed("b", typicalNode("b", 300))]]) }));
    expect(plan).toMatchObject({ target: "renew", runEngine: false, mayStart: true, reopen: [], dueAgain: [] });
  });

  it("rotates the due node and labels the others done without touching them", () => {
    const plan = decideRound(input());
    expect(plan).toMatchObject({ target: "renew", triggerPending: false, runEngine: true, mayStart: true });
    expect([...plan.satisfied].sort()).toEqual(["b", "c"]);
  });

  it("on a trigger rotates every node, none satisfied", () => {
    const plan = decideRound(
      input({ trigger: "now", assessments: new Map([["b", assessed("b", typicalNode("b", 300))]]) }),
    );
    expect(plan).toMatchObject({ target: "trigger:now", triggerPending: true, runEngine: true });
    expect(plan.satisfied.size).toBe(0);
  });

  it("holds new starts until the inventory confirms the last rotated node", () => {
    const record: RotationRecord = {
      job: "j",
      attempt: 1,
      completedAtMs: NOW - 60_000,
      before: { file: "server/tls/client-admin.crt", notAfterMs: NOW + 20 * DAY },
    };
    const plan = decideRound(input({ nodes: [node("a", { doneHash: RENEW }), node("b"), node("c")] }, { a: record }));
    expect(plan.checked.get("a")?.verification.state).toBe("pending");
    expect(plan).toMatchObject({ mayStart: false, startBlock: "verifying", reopen: [], dueAgain: [] });
  });

  it("counts a rotation the inventory contradicts as a failed attempt, handing the node back to the engine", () => {
    const record: RotationRecord = {
      job: "j",
      attempt: 1,
      completedAtMs: NOW - 20 * 60_000,
      before: { file: "server/tls/client-admin.crt", notAfterMs: NOW + 20 * DAY },
    };
    const plan = decideRound(
      input({ nodes: [node("a", { doneHash: RENEW, unschedulable: true }), node("b"), node("c")] }, { a: record }),
    );
    expect(plan.reopen).toEqual([
      {
        node: "a",
        input: {
          owner: OWNER,
          targetHash: RENEW,
          completionLabel: "rke2-lifecycle.io/certrotation.default",
          attempts: 1,
          maxAttempts: 2,
          message: expect.stringContaining("certificates did not change after rotation") as unknown as string,
          node: { resourceVersion: "7", unschedulable: true },
          now: NOW,
        },
      },
    ]);
    expect(plan.runEngine).toBe(true);
  });

  it("reopens a node done earlier whose certificates came due again (no rotation of its own this target)", () => {
    const plan = decideRound(
      input({ nodes: [node("a", { doneHash: RENEW }), node("b", { doneHash: RENEW }), node("c")] }),
    );
    expect(plan.dueAgain).toEqual([{ node: "a", resourceVersion: "7" }]);
    // A node labelled for an older target is simply not done; nothing to drop.
    expect(
      decideRound(input({ nodes: [node("a", { doneHash: targetHash("trigger:x") }), node("b"), node("c")] })).dueAgain,
    ).toEqual([]);
  });

  it.each([
    [{ paused: true }, "paused"],
    [{ windowOpen: false }, "window"],
    [{ rancherRefusal: "provisioned by Rancher" }, "rancher"],
  ] as const)("does not start new nodes when %j", (overrides, block) => {
    expect(decideRound(input(overrides))).toMatchObject({ mayStart: false, startBlock: block, runEngine: true });
  });

  it("finishes a node in progress for the old target before switching to a new trigger", () => {
    const plan = decideRound(
      input({ trigger: "now", nodes: [node("a", { claim: claim(RENEW) }), node("b"), node("c")] }),
    );
    expect(plan).toMatchObject({
      target: "renew",
      mayStart: false,
      startBlock: "finishing-earlier-target",
      runEngine: true,
    });
    // Once it is done the trigger's round begins.
    expect(
      decideRound(input({ trigger: "now", nodes: [node("a", { doneHash: RENEW }), node("b"), node("c")] })).target,
    ).toBe("trigger:now");
  });

  it("runs the engine to release a lock it holds even with nothing left to do", () => {
    const quiet = input({ lockHeldByUs: true, assessments: new Map([["b", assessed("b", typicalNode("b", 300))]]) });
    expect(decideRound(quiet).runEngine).toBe(true);
  });

  it("treats a node without a report as satisfied (nothing says it needs renewing)", () => {
    const plan = decideRound(
      input({
        assessments: new Map([
          ["a", assessed("a", typicalNode("a", 20))],
          ["b", assessed("b", undefined)],
        ]),
      }),
    );
    expect(plan.satisfied.has("b")).toBe(true);
    expect(plan.satisfied.has("a")).toBe(false);
  });
});
