import { describe, expect, it } from "@jest/globals";
import { decideRollout } from "../../../src/rollout/decide.ts";
import {
  claim,
  demoNodes,
  healthyAfterJob,
  input,
  job,
  node,
  OLD_TARGET,
  OWNER,
  policy,
  T0,
  TARGET,
  claimed,
  finished,
  settled,
  step,
} from "./fixtures.ts";

describe("decideRollout: starting nodes", () => {
  it("starts the etcd-only member first, alone, and asks for the lock", () => {
    const decision = decideRollout(input(demoNodes()));
    expect(claimed(decision)).toEqual(["etcd-1"]);
    expect(decision.lock).toBe("acquire");
    const first = step(decision, "etcd-1");
    expect(first).toMatchObject({ kind: "writeClaim", cordon: true, needsLock: true, resourceVersion: "10" });
    if (first?.kind !== "writeClaim") throw new Error("expected a claim");
    expect(first.claim).toMatchObject({ owner: OWNER, target: TARGET, attempts: 1, wasUnschedulable: false });
    // etcd nodes are not drained by default: the Job follows in the same round.
    expect(first.then).toEqual({ node: "etcd-1", tier: "etcd", attempt: 1, drain: undefined });
    expect(decision.progress.get("etcd-1")).toMatchObject({ phase: "Running", job: "upgrade-p-etcd-1-a1" });
    expect(decision.events.map((e) => e.reason)).toEqual(["NodeStarted"]);
  });

  it("starts nothing while starting is not allowed (paused, window closed, preflight)", () => {
    const decision = decideRollout(input(demoNodes(), { mayStart: false }));
    expect(decision.steps).toEqual([]);
    expect(decision.lock).toBe("none");
  });

  it("a claimed node between attempts waits while starting is not allowed, and says why", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "etcd-1" ? { ...n, unschedulable: true, claim: claim({ attemptStartedAt: undefined }) } : n,
    );
    const decision = decideRollout(input(nodes, { mayStart: false, lock: { holder: OWNER, holderGone: false } }));
    expect(decision.progress.get("etcd-1")).toMatchObject({
      phase: "Waiting",
      message: expect.stringContaining("paused, outside its window"),
    });
    expect(decision.waiting).toBeUndefined();
  });

  it("does not start a second etcd member while one is in progress", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "etcd-1" ? { ...n, unschedulable: true, claim: claim(), jobs: [job("etcd-1", 1, "Running")] } : n,
    );
    const decision = decideRollout(input(nodes, { lock: { holder: OWNER, holderGone: false } }));
    expect(claimed(decision)).toEqual([]);
    expect(decision.progress.get("etcd-1")).toMatchObject({ phase: "Running", attempts: 1 });
    expect(decision.lock).toBe("none");
  });

  it("waits with EtcdUnhealthy when any etcd member is unhealthy, touching nothing", () => {
    const nodes = demoNodes().map((n) =>
      n.name === "server-2"
        ? { ...n, mirrorPods: n.mirrorPods.map((p) => (p.name.startsWith("etcd-") ? { ...p, ready: false } : p)) }
        : n,
    );
    const decision = decideRollout(input(nodes));
    expect(decision.steps).toEqual([]);
    expect(decision.waiting).toEqual({
      reason: "EtcdUnhealthy",
      message: "etcd quorum guard: etcd-server-2 is not Ready",
    });
  });

  it("guards control-plane nodes with the etcd quorum guard too", () => {
    const nodes = demoNodes().map((n) => {
      if (n.tier === "etcd") return { ...n, doneHash: TARGET, ready: n.name !== "server-1" };
      return n;
    });
    const decision = decideRollout(input(nodes));
    expect(claimed(decision)).toEqual([]);
    expect(decision.waiting?.reason).toBe("EtcdUnhealthy");
  });

  it("moves to control-plane once every etcd node is done, then to workers with their concurrency and drain", () => {
    const etcdDone = demoNodes().map((n) => (n.tier === "etcd" ? { ...n, doneHash: TARGET } : n));
    expect(claimed(decideRollout(input(etcdDone)))).toEqual(["cp-1"]);
    const serversDone = etcdDone.map((n) => (n.tier === "control-plane" ? { ...n, doneHash: TARGET } : n));
    const decision = decideRollout(input(serversDone));
    expect(claimed(decision)).toEqual(["agent-1", "agent-2"]);
    const first = step(decision, "agent-1");
    if (first?.kind !== "writeClaim") throw new Error("expected a claim");
    expect(first.then?.drain).toEqual({
      spec: expect.objectContaining({ enabled: true, timeout: "10m" }),
      deadlineMs: T0 + 600_000,
    });
    expect(decision.progress.get("agent-1")?.phase).toBe("Draining");
  });

  it("resolves percentages against the tier and never goes below one", () => {
    const workers = Array.from({ length: 10 }, (_, i) => node(`w-${String(i).padStart(2, "0")}`, "worker"));
    expect(
      claimed(
        decideRollout(
          input(workers, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: "30%" } }) }),
        ),
      ),
    ).toHaveLength(3);
    expect(
      claimed(
        decideRollout(
          input(workers, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: "5%" } }) }),
        ),
      ),
    ).toHaveLength(1);
  });

  it("keeps a node cordoned before the rollout cordoned: remembered in the claim, no cordon, no uncordon", () => {
    const decision = decideRollout(input([node("agent-1", "worker", { unschedulable: true })]));
    const first = step(decision, "agent-1");
    expect(first).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ wasUnschedulable: true }),
    });
    const done = decideRollout(
      input([healthyAfterJob("agent-1", "worker", { claim: claim({ wasUnschedulable: true }) })]),
      settled("agent-1"),
    );
    expect(step(done, "agent-1")).toMatchObject({ kind: "finish", uncordon: false });
  });

  it("waits for the lock another operation holds, and takes over the lock of a holder that is gone", () => {
    const held = decideRollout(input(demoNodes(), { lock: { holder: "CertRotation/default", holderGone: false } }));
    expect(held.steps).toEqual([]);
    expect(held.waiting?.reason).toBe("DisruptionLockHeld");
    const gone = decideRollout(input(demoNodes(), { lock: { holder: "CertRotation/default", holderGone: true } }));
    expect(claimed(gone)).toEqual(["etcd-1"]);
    expect(gone.lock).toBe("acquire");
  });

  it("skips nodes done for this target, redoes nodes done for an older one, and labels nodes already there", () => {
    const nodes = [
      node("agent-1", "worker", { doneHash: TARGET }),
      node("agent-2", "worker", { doneHash: OLD_TARGET }),
      node("agent-3", "worker", { satisfied: true }),
    ];
    const decision = decideRollout(
      input(nodes, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: 5 } }) }),
    );
    expect(claimed(decision)).toEqual(["agent-2"]);
    expect(finished(decision)).toEqual(["agent-3"]);
    // Label only: the claim annotation of a free node is not ours (another owner may claim it now).
    expect(step(decision, "agent-3")).toEqual({ kind: "label", node: "agent-3", tier: "worker" });
  });

  // Its Job may just have run: the node may already be at the target.
  it("works a node a deleted owner left claimed like any other: claim, Job, health gate", () => {
    const orphanedClaim = claim({ owner: "CertRotation/gone" });
    const left = node("agent-1", "worker", { satisfied: true, unschedulable: true, orphanedClaim });
    const first = step(decideRollout(input([left])), "agent-1");
    expect(first).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ owner: OWNER, wasUnschedulable: false }),
    });
  });

  it("leaves nodes another owner claimed alone and does not pass their tier", () => {
    const other = node("server-1", "etcd+cp", { unschedulable: true, claim: claim({ owner: "CertRotation/default" }) });
    const decision = decideRollout(input([other, node("agent-1", "worker")]));
    expect(decision.steps).toEqual([]);
  });

  it("takes over a node whose claim's owner was deleted, keeping that claim's memory of the admin's cordon", () => {
    const orphan = node("agent-1", "worker", {
      unschedulable: true,
      orphanedClaim: claim({ owner: "UpgradePlan/deleted", wasUnschedulable: false }),
    });
    const decision = decideRollout(input([orphan]));
    expect(step(decision, "agent-1")).toMatchObject({
      kind: "writeClaim",
      cordon: false,
      claim: expect.objectContaining({ owner: OWNER, wasUnschedulable: false }),
    });
  });

  it("ignores unselected nodes", () => {
    const decision = decideRollout(input([node("etcd-1", "etcd", { selected: false }), node("agent-1", "worker")]));
    expect(claimed(decision)).toEqual(["agent-1"]);
  });
});
