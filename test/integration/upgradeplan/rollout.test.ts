/**
 * The main scenario on the simulated 7-node cluster: v1.30.6 -> v1.31.4 upgrades the
 * etcd-only node, then the etcd+control-plane nodes one at a time, then the control-plane-only
 * node, then the workers two at a time with drains, after a verified pre-upgrade snapshot; no
 * two etcd members are ever down together; `kubectl get upgradeplans` shows the columns.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { EVENT_RESOURCE, type CoreEvent } from "../../../src/observability/events.ts";
import { CLAIM_ANNOTATION, completionLabelKey, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { DISRUPTION_LOCK_NAME } from "../../../src/rollout/lock.ts";
import { LEASE_RESOURCE, type Lease } from "../../../src/runtime/lease.ts";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { toolPath } from "../../support/tools.ts";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import {
  condition,
  createLocalSnapshotPolicy,
  imageOf,
  nodeOf,
  OPERATOR_NAMESPACE,
  plan,
  quickSpec,
  startOperator,
  Timeline,
  TO,
  upgradeJobs,
  waitForPlan,
  type RunningOperator,
} from "./harness.ts";

const run = promisify(execFile);
const sim = withSim();
let operator: RunningOperator | undefined;
let timeline: Timeline | undefined;

beforeAll(async () => {
  timeline = new Timeline(sim().port);
  await timeline.start();
  operator = await startOperator(sim().operatorPort);
});
afterAll(async () => {
  await operator?.stop();
  await timeline?.stop();
});

describe("UpgradePlan on the simulated 7-node cluster", () => {
  it("upgrades tier by tier with a verified snapshot first, never two etcd members down", async () => {
    const port = sim().port;
    await createLocalSnapshotPolicy(port, "local");
    await port.create(
      upgradePlanResource,
      plan(
        "to-1-31",
        quickSpec({
          snapshot: { policyRef: "local" },
          concurrency: { workers: 2 },
          drain: { workers: { force: true, timeout: "30s" } },
        }),
      ),
    );
    const done = await waitForPlan(
      port,
      "to-1-31",
      (p) => p.status?.phase === "Succeeded",
      "the plan to succeed",
      90_000,
    );
    const line = timeline;
    if (!line) throw new Error("no timeline");

    // Order: etcd-only, then the etcd+control-plane members, then control-plane-only, then workers.
    const order = line.jobOrder();
    expect(order.slice(0, 4)).toEqual(["etcd-1", "server-1", "server-2", "cp-1"]);
    expect(new Set(order.slice(4))).toEqual(new Set(["agent-1", "agent-2", "agent-3"]));
    expect(order).toHaveLength(7);
    // One at a time through the servers; the workers two at a time (and no more).
    const servers = ["etcd-1", "server-1", "server-2", "cp-1"];
    expect(line.maxClaimedAtOnce(servers)).toBe(1);
    expect(line.maxClaimedAtOnce(["agent-1", "agent-2", "agent-3"])).toBe(2);
    // A tier starts only once the one before it is done: the first worker is claimed after cp-1 is released.
    const at = (kind: string, node: string): number =>
      line.entries.find((e) => e.kind === kind && e.node === node)?.at ?? Number.NaN;
    for (let i = 1; i < servers.length; i++)
      expect(at("claimed", servers[i] ?? "")).toBeGreaterThanOrEqual(at("released", servers[i - 1] ?? ""));
    expect(Math.min(...["agent-1", "agent-2", "agent-3"].map((n) => at("claimed", n)))).toBeGreaterThanOrEqual(
      at("released", "cp-1"),
    );
    // The quorum guard held: at most one etcd member was ever down.
    expect(line.maxEtcdDown).toBe(1);
    expect(line.etcdDownSets.length).toBeGreaterThan(0);
    // Each member settled (300ms) after it was last seen down, before the next one was touched.
    for (const member of ["etcd-1", "server-1", "server-2"]) {
      const lastDown = Math.max(...line.etcdDownSets.filter((s) => s.down.includes(member)).map((s) => s.at));
      expect(at("released", member) - lastDown).toBeGreaterThanOrEqual(300);
    }

    // End state: every node at the target, labelled, uncordoned, no claim left; the lock is free.
    const nodes = (await port.list<NodeObject>(NODE_RESOURCE)).items;
    for (const node of nodes) {
      expect(node.status?.nodeInfo?.kubeletVersion).toBe(TO);
      expect(node.metadata.labels?.[completionLabelKey("UpgradePlan", "to-1-31")]).toBe(targetHash(TO));
      expect(node.spec?.unschedulable).toBeUndefined();
      expect(node.metadata.annotations?.[CLAIM_ANNOTATION]).toBeUndefined();
    }
    expect(
      (await port.get<Lease>(LEASE_RESOURCE, DISRUPTION_LOCK_NAME, OPERATOR_NAMESPACE))?.spec?.holderIdentity,
    ).toBeUndefined();
    const jobs = await upgradeJobs(port);
    expect(jobs.map(nodeOf).sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
    expect(new Set(jobs.map(imageOf))).toEqual(new Set(["rancher/rke2-upgrade:v1.31.4-rke2r1"]));

    // Status as docs/upgrades.md "Status" describes it.
    expect(done.status).toMatchObject({
      targetVersion: TO,
      phase: "Succeeded",
      tier: "",
      progress: "7/7",
      counts: { total: 7, upgraded: 7, inProgress: 0, pending: 0, failed: 0 },
    });
    expect(done.status?.nodes).toBeUndefined();
    expect(done.status?.snapshot?.name).toMatch(/^pre-upgrade-to-1-31-/);
    expect(done.status?.preflight?.map((c) => c.name)).toEqual([
      "TargetVersion",
      "VersionSkew",
      "NodesReady",
      "EtcdHealthy",
      "DisruptionLock",
      "Snapshot",
    ]);
    for (const type of ["Ready", "PreflightPassed", "SnapshotTaken"])
      expect(condition(done, type)?.status).toBe("True");
    expect(condition(done, "Degraded")?.status).toBe("False");

    // Events on every transition, and the metrics.
    const events = (await port.list<CoreEvent>(EVENT_RESOURCE, { namespace: "default" })).items.filter(
      (e) => e.involvedObject.name === "to-1-31",
    );
    const reasons = new Set(events.map((e) => e.reason));
    for (const reason of [
      "PreflightSucceeded",
      "SnapshotSucceeded",
      "Upgrading",
      "NodeStarted",
      "NodeSucceeded",
      "UpgradeComplete",
    ])
      expect(reasons).toContain(reason);
    // The gauges are set once the round's status and events are written: the status can show first.
    const metrics = await waitFor(
      async () => {
        const text = await operator?.metrics.registry.metrics();
        return text?.includes('rke2_lifecycle_upgrade_nodes{plan="to-1-31",state="done"} 7') ? text : undefined;
      },
      { timeoutMs: 10_000, what: "the node gauges of the last round" },
    );
    expect(metrics).toContain('rke2_lifecycle_upgrade_node_duration_seconds_count{plan="to-1-31",tier="worker"} 3');
    expect(metrics).toContain("rke2_lifecycle_disruption_lock_held 0");
    // Each reconcile starts from the operator's own last status write, not from a cache that has
    // not seen it yet. At most one status write is refused as a Conflict: the first, computed before
    // the release finalizer was added, which the writer re-sends at the fresh version by itself.
    const statusWrites = (code: number): number =>
      sim().operatorRequests.count({ resource: "upgradeplans", subresource: "status", code });
    expect(statusWrites(409)).toBeLessThanOrEqual(1);
    expect(statusWrites(200)).toBeGreaterThan(5);
    expect(metrics).toMatch(/rke2_lifecycle_reconcile_errors_total\{controller="upgradeplan"\} 0\n/);
  }, 120_000);

  it("shows TARGET, PHASE, TIER, PROGRESS, READY and MESSAGE in kubectl get upgradeplans", async () => {
    const { stdout } = await run(toolPath("kubectl"), ["--kubeconfig", sim().kubeconfigPath, "get", "upgradeplans"]);
    const [header, row] = stdout.trim().split("\n");
    expect(header?.split(/\s+/)).toEqual(["NAME", "TARGET", "PHASE", "TIER", "PROGRESS", "READY", "AGE", "MESSAGE"]);
    expect(row?.split(/\s+/).slice(0, 5)).toEqual(["to-1-31", TO, "Succeeded", "7/7", "True"]);
    expect(row).toMatch(/ {2}all 7 selected node\(s\) run v1\.31\.4\+rke2r1$/);
  });
});
