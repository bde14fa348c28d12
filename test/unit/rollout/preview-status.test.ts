import { describe, expect, it } from "@jest/globals";
import { PreviewStatusSchema } from "../../../src/api/preview.ts";
import { previewRollout } from "../../../src/rollout/preview.ts";
import { nameRange, previewStatus } from "../../../src/rollout/preview-status.ts";
import type { ObservedNode } from "../../../src/rollout/types.ts";
import { demoNodes, input, node, policy, SETTLE_MS, TARGET } from "./fixtures.ts";

/** A large cluster: 3 etcd+control-plane servers, 2 control-plane-only, the rest workers (some already done). */
function cluster(size: number): ObservedNode[] {
  const pad = (i: number): string => String(i).padStart(5, "0");
  return [
    ...[1, 2, 3].map((i) => node(`server-${i}.rke2.example.internal`, "etcd+cp")),
    ...[1, 2].map((i) => node(`cp-${i}.rke2.example.internal`, "cp")),
    ...Array.from({ length: size - 5 }, (_, i) =>
      node(`worker-${pad(i + 1)}.rke2.example.internal`, "worker", i % 10 === 0 ? { doneHash: TARGET } : {}),
    ),
  ];
}

const render = (nodes: ObservedNode[], workers: number | string = 1) =>
  previewStatus(
    previewRollout(input(nodes, { policy: policy({ concurrency: { etcd: 1, "control-plane": 1, worker: workers } }) })),
    SETTLE_MS,
  );

describe("previewStatus", () => {
  it("lists every node of the 7-node demo, nothing truncated", () => {
    const status = render(demoNodes(), 2);
    expect(status).toEqual({
      nodes: 7,
      skipped: 0,
      estimatedDuration: "21m",
      estimateBasis: "no node measured yet: 3m per node (drain, Job, restart) + healthGate.settle 30s",
      truncated: false,
      tiers: [
        {
          tier: "etcd",
          concurrency: 1,
          quorumGuard: true,
          nodes: 3,
          batchCount: 3,
          batches: ["etcd-1", "server-1", "server-2"],
          skipped: 0,
          estimatedDuration: "11m",
        },
        {
          tier: "control-plane",
          concurrency: 1,
          quorumGuard: true,
          nodes: 1,
          batchCount: 1,
          batches: ["cp-1"],
          skipped: 0,
          estimatedDuration: "4m",
        },
        {
          tier: "worker",
          concurrency: 2,
          nodes: 3,
          batchCount: 2,
          batches: ["agent-1, agent-2", "agent-3"],
          skipped: 0,
          estimatedDuration: "7m",
        },
      ],
    });
    expect(PreviewStatusSchema.safeParse(status).success).toBe(true);
  });

  it("marks the tier waiting for approval and adds the tier soaks to the estimate, saying so", () => {
    const gates = { approval: { tiers: ["worker" as const], approved: [] }, tierSoakMs: 10 * 60_000 };
    const workers = { concurrency: { etcd: 1, "control-plane": 1, worker: 2 } };
    const status = previewStatus(previewRollout(input(demoNodes(), { gates, policy: policy(workers) })), SETTLE_MS);
    expect(status).toMatchObject({
      estimatedDuration: "41m",
      estimateBasis:
        "no node measured yet: 3m per node (drain, Job, restart) + healthGate.settle 30s; " +
        "healthGate.tierSoak 10m before control-plane, worker; not counting the wait for approval of worker",
    });
    expect(status.tiers.map((t) => [t.tier, t.estimatedDuration, t.soakBefore, t.awaitingApproval])).toEqual([
      ["etcd", "11m", undefined, undefined],
      ["control-plane", "4m", "10m", undefined],
      ["worker", "7m", "10m", true],
    ]);
    expect(PreviewStatusSchema.safeParse(status).success).toBe(true);
  });

  it("stays small at 5,000 nodes with every gate", () => {
    const gates = {
      approval: { tiers: ["control-plane" as const, "worker" as const], approved: [] },
      tierSoakMs: 60_000,
    };
    const nodes = cluster(5000);
    const status = previewStatus(previewRollout(input(nodes, { gates })), SETTLE_MS);
    expect(Buffer.byteLength(JSON.stringify(status))).toBeLessThan(4096);
    expect(PreviewStatusSchema.safeParse(status).success).toBe(true);
  });

  it.each([
    [1000, 1],
    [1000, "10%"],
    [5000, 1],
    [5000, "10%"],
    [5000, 500],
  ])("stays small at %p nodes (workers %p at a time): counts and ranges past the budget", (size, workers) => {
    const status = render(cluster(size), workers);
    const bytes = Buffer.byteLength(JSON.stringify(status));
    expect(bytes).toBeLessThan(4096);
    expect(PreviewStatusSchema.safeParse(status).success).toBe(true);
    expect(status.truncated).toBe(true);
    const worker = status.tiers.find((tier) => tier.tier === "worker");
    const skipped = Math.ceil((size - 5) / 10);
    expect(status).toMatchObject({ nodes: size - skipped, skipped });
    expect(worker).toMatchObject({ nodes: size - 5 - skipped, skipped });
    expect(worker?.more ?? worker?.batches?.[0]).toMatch(/worker-\d+\.rke2\.example\.internal \.\. worker-/);
  });

  it("is the same at 1,000 and 5,000 nodes give or take the numbers", () => {
    const small = Buffer.byteLength(JSON.stringify(render(cluster(1000), "10%")));
    const large = Buffer.byteLength(JSON.stringify(render(cluster(5000), "10%")));
    expect(Math.abs(large - small)).toBeLessThan(64);
  });

  it("renders the same preview the same way (no churn)", () => {
    const nodes = cluster(1000);
    expect(JSON.stringify(render(nodes, 3))).toBe(JSON.stringify(render([...nodes].reverse(), 3)));
  });

  it.each([
    [[], ""],
    [["a"], "a"],
    [["a", "b", "c"], "a .. c (3 nodes)"],
  ])("nameRange(%p) is %p", (names, text) => {
    expect(nameRange(names)).toBe(text);
  });
});
