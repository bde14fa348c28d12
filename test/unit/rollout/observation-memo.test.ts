/**
 * The per-node observation memo (issue 15): a round re-derives only nodes whose inputs changed,
 * and what it returns is what observeNode returns for every node.
 */
import { describe, expect, it } from "@jest/globals";
import type { Job } from "../../../src/nodeops/job.ts";
import { CLAIM_ANNOTATION, encodeClaim, targetHash } from "../../../src/rollout/claim.ts";
import type { NodeObject, PodObject } from "../../../src/rollout/kube-objects.ts";
import { NodeObservations } from "../../../src/rollout/observation-memo.ts";
import { observeNode, type NodeLookups, type NodeRequest } from "../../../src/rollout/observe.ts";
import { CONTROL_PLANE_ROLE_LABEL, ETCD_ROLE_LABEL } from "../../../src/rke2/roles.ts";

const LABEL = "rke2-lifecycle.io/upgradeplan.p";
const REQUEST: NodeRequest = {
  target: "v1.31.4+rke2r1",
  completionLabel: LABEL,
  nodeSelector: undefined,
  isSatisfied: (node) => node.status?.nodeInfo?.kubeletVersion === "v1.31.4+rke2r1",
};

function nodeObject(name: string, resourceVersion: string, extra: Partial<NodeObject["metadata"]> = {}): NodeObject {
  const server = name.startsWith("server");
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name,
      resourceVersion,
      labels: {
        "kubernetes.io/os": "linux",
        ...(server ? { [ETCD_ROLE_LABEL]: "true", [CONTROL_PLANE_ROLE_LABEL]: "true" } : {}),
      },
      ...extra,
    },
    status: {
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2026-01-01T00:00:00Z" }],
      nodeInfo: { kubeletVersion: "v1.31.2+rke2r1" },
    },
  };
}

function pod(name: string, resourceVersion: string, ready: boolean): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "kube-system", resourceVersion },
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function lookups(pods: PodObject[], jobs: Map<string, Job[]>, messages = new Map<string, string>()): NodeLookups {
  return {
    jobsOf: (node) => jobs.get(node) ?? [],
    mirrorPod: (name) => pods.find((p) => p.metadata.name === name),
    failureMessages: messages,
  };
}

describe("NodeObservations", () => {
  const claim = encodeClaim({
    owner: "UpgradePlan/p",
    target: targetHash(REQUEST.target),
    attempts: 1,
    wasUnschedulable: false,
    claimedAt: "2026-01-01T00:00:00Z",
  });

  it("re-observes a node whose resourceVersion changed and reuses the others", () => {
    const memo = new NodeObservations();
    const none = lookups([], new Map());
    const nodes = [nodeObject("agent-1", "1"), nodeObject("agent-2", "2"), nodeObject("agent-3", "3")];
    const first = memo.observe("UpgradePlan/p", nodes, REQUEST, none);
    expect(memo.misses).toBe(3);
    expect(first).toEqual(nodes.map((n) => observeNode(n, REQUEST, none)));

    const claimed = nodeObject("agent-2", "7", { annotations: { [CLAIM_ANNOTATION]: claim } });
    const second = memo.observe("UpgradePlan/p", [nodes[0]!, claimed, nodes[2]!], REQUEST, none);
    expect(memo.misses).toBe(4);
    expect(second[0]).toBe(first[0]);
    expect(second[2]).toBe(first[2]);
    expect(second[1]?.claim?.owner).toBe("UpgradePlan/p");
    expect(second).toEqual([nodes[0]!, claimed, nodes[2]!].map((n) => observeNode(n, REQUEST, none)));
  });

  it("re-observes a node whose mirror pod, Jobs or a Job's failure message changed once told so (touch)", () => {
    const memo = new NodeObservations();
    const server = nodeObject("server-1", "5");
    const pods = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"].map((c) =>
      pod(`${c}-server-1`, "1", true),
    );
    const job: Job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "upgrade-p-server-1", namespace: "jobs", resourceVersion: "1" },
      status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] },
    } as Job;
    const jobs = new Map<string, Job[]>();
    memo.observe("UpgradePlan/p", [server], REQUEST, lookups(pods, jobs));
    memo.observe("UpgradePlan/p", [server], REQUEST, lookups(pods, jobs));
    expect(memo.misses).toBe(1);

    pods[0] = pod("etcd-server-1", "2", false);
    memo.touch("server-1");
    memo.touch("server-2");
    const [afterPod] = memo.observe("UpgradePlan/p", [server], REQUEST, lookups(pods, jobs));
    expect(memo.misses).toBe(2);
    expect(afterPod?.mirrorPods.find((p) => p.name === "etcd-server-1")?.ready).toBe(false);

    jobs.set("server-1", [job]);
    memo.touch("server-1");
    const [afterJob] = memo.observe("UpgradePlan/p", [server], REQUEST, lookups(pods, jobs));
    expect(memo.misses).toBe(3);
    expect(afterJob?.jobs[0]?.state).toBe("Failed");

    const messages = new Map([["upgrade-p-server-1", "rke2 did not start"]]);
    memo.touch("server-1");
    const [afterMessage] = memo.observe("UpgradePlan/p", [server], REQUEST, lookups(pods, jobs, messages));
    expect(memo.misses).toBe(4);
    expect(afterMessage?.jobs[0]).toMatchObject({ state: "Failed", message: "rke2 did not start" });
  });

  it("starts over for a new target, and evaluates exclusion and isSatisfied every round", () => {
    const memo = new NodeObservations();
    const none = lookups([], new Map());
    const nodes = [nodeObject("agent-1", "1"), nodeObject("agent-2", "2")];
    memo.observe("UpgradePlan/p", nodes, REQUEST, none);
    const excluded = memo.observe("UpgradePlan/p", nodes, { ...REQUEST, excludedNodes: new Set(["agent-1"]) }, none);
    expect(memo.misses).toBe(2);
    expect(excluded.map((n) => n.selected)).toEqual([false, true]);
    const satisfied = memo.observe("UpgradePlan/p", nodes, { ...REQUEST, isSatisfied: () => true }, none);
    expect(memo.misses).toBe(2);
    expect(satisfied.map((n) => n.satisfied)).toEqual([true, true]);

    const retarget = { ...REQUEST, target: "v1.32.1+rke2r1" };
    expect(memo.observe("UpgradePlan/p", nodes, retarget, none)).toEqual(
      nodes.map((n) => observeNode(n, retarget, none)),
    );
    expect(memo.misses).toBe(4);
    memo.observe("CertRotation/c", nodes, REQUEST, none);
    expect(memo.misses).toBe(6);
  });
});
