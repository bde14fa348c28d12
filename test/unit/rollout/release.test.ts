/** decideRollout while the owner is being deleted (`releasing`): wind down, hand back, let go. */
import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import type { NodeStep, ObservedNode } from "../../../src/rollout/types.ts";
import { claim, healthyAfterJob, input, job, node, OWNER, T0 } from "./fixtures.ts";

const releasing = (nodes: ObservedNode[], heldByUs = true) => input(nodes, { releasing: true, mayStart: false, lock: { holder: heldByUs ? OWNER : undefined, holderGone: false } });
const settled = (...names: string[]) => ({ healthySince: new Map(names.map((name): [string, number] => [name, T0 - 40_000])) });
const kinds = (steps: NodeStep[]): string[] => steps.map((s) => s.kind);

describe("decideRollout while the owner is being deleted", () => {
  const cordoned = { unschedulable: true };
  const cases: [what: string, n: ObservedNode, steps: NodeStep[], event: string | undefined][] = [
    ["a claimed node waiting to begin is handed back and uncordoned", node("agent-1", "worker", { ...cordoned, claim: claim({ attemptStartedAt: undefined, attempts: 0 }) }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: true }], "Normal"],
    ["a draining node (no Job yet) is handed back and uncordoned", node("agent-1", "worker", { ...cordoned, claim: claim() }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: true }], "Normal"],
    ["a node an admin had cordoned stays cordoned", node("agent-1", "worker", { ...cordoned, claim: claim({ wasUnschedulable: true }) }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: false }], "Normal"],
    ["a node whose Job failed keeps its cordon for a person", node("agent-1", "worker", { ...cordoned, claim: claim(), jobs: [job("agent-1", 1, "Failed")] }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: false }], "Warning"],
    ["a node whose Job is being deleted while running keeps its cordon", node("agent-1", "worker", { ...cordoned, claim: claim(), jobs: [job("agent-1", 1, "Running", { deleting: true })] }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: false }], "Warning"],
    ["a failed node keeps its cordon", node("agent-1", "worker", { ...cordoned, claim: claim({ attemptStartedAt: undefined, failed: "health gate timed out" }), jobs: [job("agent-1", 1, "Failed")] }), [{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: false }], "Warning"],
    ["a node whose Job runs goes on: nothing is handed back yet", node("agent-1", "worker", { ...cordoned, claim: claim(), jobs: [job("agent-1", 1, "Running")] }), [], undefined],
  ];
  it.each(cases)("%s", (_what, n, steps, event) => {
    const decision = decideRollout(releasing([n]));
    expect(decision.steps).toEqual(steps);
    expect(decision.events.map((e) => e.type)).toEqual(event ? [event] : []);
    expect(decision.events.map((e) => e.reason)).toEqual(event ? ["NodeReleased"] : []);
  });

  it("lets go of the lock once nothing of its own is out, and not before", () => {
    expect(decideRollout(releasing([node("agent-1", "worker", { unschedulable: true, claim: claim(), jobs: [job("agent-1", 1, "Running")] })])).lock).toBe("none");
    const handedBack = decideRollout(releasing([node("agent-1", "worker", { unschedulable: true, claim: claim() })]));
    expect(handedBack.lock).toBe("release");
    expect(handedBack.progress.size).toBe(0);
  });

  it("finishes a node that passed its health gate (labelled done, uncordoned)", () => {
    const decision = decideRollout(releasing([healthyAfterJob("agent-1", "worker")]), settled("agent-1"));
    expect(kinds(decision.steps)).toEqual(["finish"]);
    expect(decision.steps[0]).toMatchObject({ uncordon: true });
  });

  it("starts nothing new, even when starting would be allowed, and leaves other owners' nodes alone", () => {
    const mine = node("agent-1", "worker", { unschedulable: true, claim: claim(), jobs: [job("agent-1", 1, "Running")] });
    const theirs = node("agent-2", "worker", { unschedulable: true, claim: claim({ owner: "CertRotation/x" }) });
    const decision = decideRollout({ ...releasing([mine, theirs, node("agent-3", "worker")]), mayStart: true });
    expect(decision.steps).toEqual([]);
    expect([...decision.progress.keys()]).toEqual(["agent-1"]);
  });
});
