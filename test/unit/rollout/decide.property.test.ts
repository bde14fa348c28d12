/**
 * Property tests of the rollout decision: random clusters driven through many rounds by a random
 * environment (Jobs finishing or failing, nodes restarting, etcd members flapping, time passing),
 * with the decision's steps applied to the model after each round. The safety invariants must
 * hold after every round, whatever happens.
 */
import { describe, expect, it } from "@jest/globals";
import fc from "fast-check";
import { resolveConcurrency } from "../../../src/api/common.ts";
import { decideRollout, guardedTier } from "../../../src/rollout/decide.ts";
import { TIER_ORDER } from "../../../src/rke2/roles.ts";
import type { ObservedNode, RolloutDecision, RolloutInput } from "../../../src/rollout/types.ts";
import { input, job, node, OWNER, policy, TARGET, type Role } from "./fixtures.ts";

interface World {
  nodes: ObservedNode[];
  now: number;
  lockHolder: string | undefined;
}

const clusterArb = fc.record({
  etcdOnly: fc.integer({ min: 0, max: 2 }),
  etcdCp: fc.integer({ min: 1, max: 4 }),
  cpOnly: fc.integer({ min: 0, max: 3 }),
  workers: fc.integer({ min: 0, max: 12 }),
  cpConcurrency: fc.integer({ min: 1, max: 3 }),
  workerConcurrency: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom("25%", "50%", "100%")),
  maxAttempts: fc.integer({ min: 1, max: 3 }),
  preCordoned: fc.array(fc.nat(30), { maxLength: 3 }),
});

/** Each round the environment does one thing to one node, picked by these numbers. */
const eventsArb = fc.array(
  fc.record({ kind: fc.integer({ min: 0, max: 7 }), pick: fc.nat(), advanceMs: fc.integer({ min: 0, max: 120_000 }) }),
  { minLength: 20, maxLength: 120 },
);

type ClusterShape = typeof clusterArb extends fc.Arbitrary<infer S> ? S : never;

function buildWorld(shape: ClusterShape): World {
  const spec: [Role, number][] = [
    ["etcd", shape.etcdOnly],
    ["etcd+cp", shape.etcdCp],
    ["cp", shape.cpOnly],
    ["worker", shape.workers],
  ];
  const nodes = spec.flatMap(([role, count]) => Array.from({ length: count }, (_, i) => node(`${role}-${i}`, role)));
  for (const index of shape.preCordoned) {
    const target = nodes[index % nodes.length];
    if (target) target.unschedulable = true;
  }
  return { nodes, now: Date.UTC(2026, 0, 1), lockHolder: undefined };
}

const etcdHealthy = (n: ObservedNode): boolean =>
  n.ready && n.mirrorPods.every((p) => !p.name.startsWith("etcd-") || (p.exists && p.ready));
const ours = (n: ObservedNode): boolean => n.claim?.owner === OWNER;
const active = (n: ObservedNode): boolean => ours(n) && n.claim?.failed === undefined;

function apply(world: World, decision: RolloutDecision, roundInput: RolloutInput): void {
  if (decision.lock === "acquire") world.lockHolder = OWNER;
  for (const step of decision.steps) {
    const name = "node" in step ? step.node : step.work.node;
    const target = world.nodes.find((n) => n.name === name);
    if (!target) throw new Error(`step for unknown node ${name}`);
    if (step.kind === "writeClaim") {
      target.claim = step.claim;
      if (step.cordon) target.unschedulable = true;
      if (step.uncordon) target.unschedulable = false;
      target.jobs = target.jobs.filter((j) => !step.deleteJobs.includes(j.name));
      if (step.then) target.jobs.push(job(name, step.then.attempt, "Running"));
    } else if (step.kind === "work") {
      target.jobs.push(job(name, step.work.attempt, "Running"));
    } else if (step.kind === "deleteJobs") {
      target.jobs = target.jobs.filter((j) => !step.jobs.includes(j.name));
    } else if (step.kind === "label") {
      target.doneHash = roundInput.targetHash;
    } else if (step.kind === "release") {
      target.claim = undefined;
      if (step.uncordon) target.unschedulable = false;
    } else {
      target.doneHash = roundInput.targetHash;
      target.claim = undefined;
      if (step.uncordon) target.unschedulable = false;
    }
  }
  if (decision.lock === "release") world.lockHolder = undefined;
}

function environment(world: World, event: { kind: number; pick: number; advanceMs: number }): void {
  world.now += event.advanceMs;
  const pick = <T>(items: T[]): T | undefined => (items.length === 0 ? undefined : items[event.pick % items.length]);
  const withRunningJob = world.nodes.filter((n) => n.jobs.some((j) => j.state === "Running"));
  switch (event.kind) {
    case 0:
    case 1: {
      // The Job ends as the node restarts into the new version (or later, not at all).
      const target = pick(withRunningJob);
      if (!target) return;
      target.jobs = target.jobs.map((j) =>
        j.state === "Running" ? { ...j, state: "Succeeded", finishedAtMs: world.now } : j,
      );
      target.ready = false;
      target.kubeletVersion = "v1.31.4+rke2r1";
      return;
    }
    case 2: {
      const target = pick(withRunningJob);
      if (target)
        target.jobs = target.jobs.map((j) =>
          j.state === "Running" ? { ...j, state: "Failed", finishedAtMs: world.now, message: "boom" } : j,
        );
      return;
    }
    case 3:
    case 4: {
      const target = pick(world.nodes.filter((n) => !n.ready));
      if (!target) return;
      target.ready = true;
      target.readySinceMs = world.now;
      target.mirrorPods = target.mirrorPods.map((p) => ({ ...p, ready: true, readySinceMs: world.now }));
      return;
    }
    case 5: {
      // An etcd member flaps on its own: the operator must not add to it.
      const target = pick(world.nodes.filter((n) => n.roles.etcd));
      if (target)
        target.mirrorPods = target.mirrorPods.map((p) =>
          p.name.startsWith("etcd-") ? { ...p, ready: !p.ready, readySinceMs: world.now } : p,
        );
      return;
    }
    case 6:
      world.lockHolder =
        world.lockHolder === undefined ? "CertRotation/other" : world.lockHolder === OWNER ? OWNER : undefined;
      return;
    default:
      return;
  }
}

describe("decideRollout properties", () => {
  it("never exceeds a tier's concurrency, never has two etcd members out, guards quorum and keeps tier order", () => {
    let totalFinished = 0;
    fc.assert(
      fc.property(clusterArb, eventsArb, fc.boolean(), (shape, events, retryOnce) => {
        const world = buildWorld(shape);
        const roundPolicy = policy({
          concurrency: { etcd: 1, "control-plane": shape.cpConcurrency, worker: shape.workerConcurrency },
          maxAttemptsPerNode: shape.maxAttempts,
          healthGate: { timeoutMs: 300_000, settleMs: 30_000, kubeletVersion: "v1.31.4+rke2r1" },
        });
        const healthySince = new Map<string, number>();
        let finishedNodes = 0;
        events.forEach((event, round) => {
          const roundInput = input(structuredClone(world.nodes), {
            now: world.now,
            policy: roundPolicy,
            lock: { holder: world.lockHolder, holderGone: false },
            retryFailed: retryOnce && round === Math.floor(events.length / 2),
          });
          const decision = decideRollout(roundInput, { healthySince });
          // What the engine keeps between rounds: when each settling node was first seen healthy.
          for (const name of [...healthySince.keys()]) if (!decision.healthy.has(name)) healthySince.delete(name);
          for (const name of decision.healthy) if (!healthySince.has(name)) healthySince.set(name, world.now);
          finishedNodes += decision.steps.filter((s) => s.kind === "finish").length;
          const before = roundInput.nodes;
          const begun = decision.steps.filter(
            (s) =>
              s.kind === "writeClaim" &&
              s.claim.attemptStartedAt !== undefined &&
              s.claim.attemptStartedAt === new Date(world.now).toISOString(),
          );
          for (const step of begun) {
            const name = step.kind === "writeClaim" ? step.node : "";
            const subject = before.find((n) => n.name === name);
            if (!subject) throw new Error("begun node missing");
            // Disruptive work begins only with the lock free or ours.
            expect(world.lockHolder === undefined || world.lockHolder === OWNER).toBe(true);
            if (guardedTier(subject.tier)) {
              // Quorum guard: every other etcd member healthy and not being worked on (a member
              // that passed its health gate in this very round is back in service).
              const others = before.filter((n) => n.roles.etcd && n.name !== name && !decision.done.has(n.name));
              expect(others.every(etcdHealthy)).toBe(true);
              expect(
                others.some((n) => n.claim !== undefined && (n.claim.failed === undefined || n.unschedulable)),
              ).toBe(false);
            }
            // Tier order: every earlier tier's relevant nodes are done.
            const earlier = TIER_ORDER.slice(0, TIER_ORDER.indexOf(subject.tier));
            expect(
              before
                .filter((n) => earlier.includes(n.tier))
                .every((n) => n.doneHash === TARGET || decision.done.has(n.name)),
            ).toBe(true);
          }
          apply(world, decision, roundInput);
          for (const tier of TIER_ORDER) {
            const inTier = world.nodes.filter((n) => n.tier === tier);
            const limit = tier === "etcd" ? 1 : resolveConcurrency(roundPolicy.concurrency[tier], inTier.length);
            expect(inTier.filter(active).length).toBeLessThanOrEqual(limit);
          }
          expect(
            world.nodes.filter(
              (n) => n.roles.etcd && ours(n) && (n.unschedulable || n.claim?.attemptStartedAt !== undefined),
            ).length,
          ).toBeLessThanOrEqual(1);
          environment(world, event);
        });
        totalFinished += finishedNodes;
      }),
      { numRuns: 300 },
    );
    // The runs made real progress (nodes passed their gates), not only waited.
    expect(totalFinished).toBeGreaterThan(300);
  });

  it("never touches a node (no step at all) while starting is not allowed and nothing is in progress", () => {
    fc.assert(
      fc.property(clusterArb, (shape) => {
        const world = buildWorld(shape);
        const decision = decideRollout(input(world.nodes, { mayStart: false }));
        expect(decision.steps).toEqual([]);
      }),
    );
  });
});
