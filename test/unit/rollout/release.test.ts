/** decideRollout while the owner is being deleted (`releasing`): wind down, hand back, let go. */
import { describe, expect, it } from "@jest/globals";
import { decideRollout, type RoundMemory } from "../../../src/rollout/decide.ts";
import type { NodeStep, ObservedNode } from "../../../src/rollout/types.ts";
import { claim, healthyAfterJob, input, job, node, OLD_TARGET, OWNER, T0 } from "./fixtures.ts";

const releasing = (nodes: ObservedNode[], heldByUs = true) =>
  input(nodes, { releasing: true, mayStart: false, lock: { holder: heldByUs ? OWNER : undefined, holderGone: false } });
const settled = (...names: string[]) => ({
  healthySince: new Map(names.map((name): [string, number] => [name, T0 - 40_000])),
});
const kinds = (steps: NodeStep[]): string[] => steps.map((s) => s.kind);

describe("decideRollout while the owner is being deleted", () => {
  const cordoned = { unschedulable: true };
  /** This operator saw the node's drain under way (so its Job was never created). */
  const draining = { drainMessages: new Map([["agent-1", "evicting 1 pod"]]) };
  const release = (uncordon: boolean): NodeStep[] => [
    { kind: "release", node: "agent-1", resourceVersion: "10", uncordon },
  ];
  const cases: [what: string, n: ObservedNode, memory: RoundMemory, steps: NodeStep[], event: string | undefined][] = [
    [
      "a node whose drain is under way is handed back and uncordoned",
      node("agent-1", "worker", { ...cordoned, claim: claim() }),
      draining,
      release(true),
      "Normal",
    ],
    [
      "a node an admin had cordoned stays cordoned",
      node("agent-1", "worker", { ...cordoned, claim: claim({ wasUnschedulable: true }) }),
      draining,
      release(false),
      "Normal",
    ],
    [
      "a node whose drain this operator did not see (a restart) keeps its cordon",
      node("agent-1", "worker", { ...cordoned, claim: claim() }),
      {},
      release(false),
      "Warning",
    ],
    [
      "a node on its second attempt keeps its cordon (the first may have run its Job)",
      node("agent-1", "worker", { ...cordoned, claim: claim({ attempts: 2 }) }),
      draining,
      release(false),
      "Warning",
    ],
    [
      "a node whose Job failed keeps its cordon",
      node("agent-1", "worker", { ...cordoned, claim: claim(), jobs: [job("agent-1", 1, "Failed")] }),
      draining,
      release(false),
      "Warning",
    ],
    [
      "a failed node keeps its cordon",
      node("agent-1", "worker", {
        ...cordoned,
        claim: claim({ attemptStartedAt: undefined, failed: "health gate timed out" }),
      }),
      draining,
      release(false),
      "Warning",
    ],
    [
      "a node whose Job of another target finished keeps its cordon",
      node("agent-1", "worker", {
        ...cordoned,
        claim: claim({ target: OLD_TARGET }),
        jobs: [job("agent-1", 1, "Succeeded", { name: "upgrade-p-agent-1-old" })],
      }),
      draining,
      release(false),
      "Warning",
    ],
    [
      "a node whose Job runs goes on: nothing is handed back yet",
      node("agent-1", "worker", { ...cordoned, claim: claim(), jobs: [job("agent-1", 1, "Running")] }),
      {},
      [],
      undefined,
    ],
    [
      "a node whose Job is being deleted while it runs waits for it: no second Job beside a dying one",
      node("agent-1", "worker", {
        ...cordoned,
        claim: claim(),
        jobs: [job("agent-1", 1, "Running", { deleting: true })],
      }),
      {},
      [],
      undefined,
    ],
    [
      "a node whose Job of another target still runs waits for it",
      node("agent-1", "worker", {
        ...cordoned,
        claim: claim({ target: OLD_TARGET }),
        jobs: [job("agent-1", 1, "Running", { name: "upgrade-p-agent-1-old" })],
      }),
      {},
      [],
      undefined,
    ],
  ];
  it.each(cases)("%s", (_what, n, memory, steps, event) => {
    const decision = decideRollout(releasing([n]), memory);
    expect(decision.steps).toEqual(steps);
    expect(decision.events.map((e) => `${e.type} ${e.reason}`)).toEqual(event ? [`${event} NodeReleased`] : []);
    expect(decision.lock).toBe("none");
  });

  it("keeps the lock in the round that hands nodes back, and lets it go once no claim of its own is seen", () => {
    expect(
      decideRollout(releasing([node("agent-1", "worker", { unschedulable: true, claim: claim() })]), draining).lock,
    ).toBe("none");
    expect(decideRollout(releasing([node("agent-1", "worker")])).lock).toBe("release");
  });

  it("never takes the lock, even for a node still out", () => {
    const decision = decideRollout(
      releasing(
        [node("agent-1", "worker", { unschedulable: true, claim: claim(), jobs: [job("agent-1", 1, "Running")] })],
        false,
      ),
    );
    expect(decision.lock).toBe("none");
  });

  it("finishes a node that passed its health gate (labelled done, uncordoned)", () => {
    const decision = decideRollout(releasing([healthyAfterJob("agent-1", "worker")]), settled("agent-1"));
    expect(kinds(decision.steps)).toEqual(["finish"]);
    expect(decision.steps[0]).toMatchObject({ uncordon: true });
  });

  it("hands back, cordoned, a node whose health gate times out, instead of starting its next attempt", () => {
    const late = healthyAfterJob("agent-1", "worker", {
      ready: false,
      claim: claim({ attemptStartedAt: new Date(T0 - 3_600_000).toISOString() }),
      jobs: [job("agent-1", 1, "Succeeded", { finishedAtMs: T0 - 3_000_000 })],
    });
    const decision = decideRollout(releasing([late]));
    expect(decision.steps).toEqual([{ kind: "release", node: "agent-1", resourceVersion: "10", uncordon: false }]);
    expect(decision.events.map((e) => e.reason)).toEqual(["NodeReleased"]);
  });

  it("starts nothing new, even when starting would be allowed, and leaves other owners' nodes alone", () => {
    const mine = node("agent-1", "worker", {
      unschedulable: true,
      claim: claim(),
      jobs: [job("agent-1", 1, "Running")],
    });
    const theirs = node("agent-2", "worker", { unschedulable: true, claim: claim({ owner: "CertRotation/x" }) });
    const decision = decideRollout({ ...releasing([mine, theirs, node("agent-3", "worker")]), mayStart: true });
    expect(decision.steps).toEqual([]);
    expect([...decision.progress.keys()]).toEqual(["agent-1"]);
  });
});
