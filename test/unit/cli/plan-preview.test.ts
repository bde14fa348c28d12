import { describe, expect, it } from "@jest/globals";
import type { PreviewStatus } from "../../../src/api/preview.ts";
import { formatPreview, planFromManifest } from "../../../src/cli/plan-preview.ts";
import { main } from "../../../src/main.ts";
import { captureIo } from "../../support/cli-io.ts";

const PREVIEW: PreviewStatus = {
  nodes: 4,
  skipped: 1,
  estimatedDuration: "15m",
  estimateBasis: "median node duration per tier measured in this rollout",
  truncated: false,
  tiers: [
    {
      tier: "etcd",
      concurrency: 1,
      quorumGuard: true,
      nodes: 1,
      batchCount: 1,
      batches: ["server-1"],
      skipped: 1,
      skippedNodes: "server-2",
      estimatedDuration: "5m",
    },
    {
      tier: "worker",
      concurrency: 2,
      nodes: 3,
      batchCount: 2,
      batches: ["agent-3, agent-1", "agent-2"],
      skipped: 0,
      estimatedDuration: "10m",
    },
  ],
};

describe("formatPreview", () => {
  it("names every batch in order, the nodes in progress and those skipped", () => {
    expect(formatPreview("upgradeplan/p to v1.31.4+rke2r1", PREVIEW, new Set(["agent-3"]), "p")).toBe(
      [
        "upgradeplan/p to v1.31.4+rke2r1",
        "  estimate: median node duration per tier measured in this rollout",
        "etcd: 1 node(s), one at a time (etcd quorum guard), about 5m",
        "  1. server-1",
        "  already at the target: server-2",
        "worker: 3 node(s), 2 at a time, about 10m",
        "  1. agent-3 (in progress), agent-1",
        "  2. agent-2",
        "",
      ].join("\n"),
    );
  });

  it("says before a tier that it soaks first and waits for approval, and how to approve it", () => {
    const [, worker] = PREVIEW.tiers;
    if (worker === undefined) throw new Error("PREVIEW has a worker tier");
    const gated: PreviewStatus = {
      ...PREVIEW,
      estimateBasis: "median node duration per tier measured in this rollout; healthGate.tierSoak 10m before worker",
      tiers: [{ ...worker, soakBefore: "10m", awaitingApproval: true }],
    };
    expect(formatPreview("upgradeplan/p", gated, new Set(), "p").split("\n").slice(1, 6)).toEqual([
      "  estimate: median node duration per tier measured in this rollout",
      "            healthGate.tierSoak 10m before worker",
      "worker: 3 node(s), 2 at a time, about 10m",
      "  first: healthGate.tierSoak 10m after the previous tier completes",
      "  waits for approval: add worker to spec.approval.approved (rke2-lifecycle plan approve p worker)",
    ]);
  });
});

describe("planFromManifest", () => {
  it("takes the first UpgradePlan of a multi-document file", () => {
    const text =
      "kind: ConfigMap\nmetadata: {name: c}\n---\nkind: UpgradePlan\nmetadata: {name: p}\nspec: {version: v}\n";
    expect(planFromManifest(text)).toMatchObject({ kind: "UpgradePlan", metadata: { name: "p" } });
  });

  it.each([
    ["kind: ConfigMap\n", "no UpgradePlan in it"],
    ["kind: [unclosed\n", /^not YAML: /],
  ])("%j: %p", (text, message) => {
    expect(planFromManifest(text)).toEqual(expect.stringMatching(message));
  });
});

describe("rke2-lifecycle plan preview: usage errors", () => {
  it.each([
    [["plan", "preview"], "preview: expected the name of an UpgradePlan or -f <file>, not both"],
    [["plan", "preview", "p", "-f", "x.yaml"], "preview: expected the name of an UpgradePlan or -f <file>, not both"],
    [["plan", "preview", "p", "q"], "unexpected argument q"],
    [["plan", "preview", "p", "-o", "xml"], expect.stringContaining("--output")],
  ])("%j is a usage error, exit 2", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, {}, io)).toBe(2);
    expect(io.err).toEqual(
      typeof message === "string" ? `rke2-lifecycle plan: ${message} (see 'rke2-lifecycle plan --help')\n` : message,
    );
  });
});
