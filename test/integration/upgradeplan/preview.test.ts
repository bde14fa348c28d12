/**
 * Issue 17, preview and ETA, on the 7-node topology (both lanes): a paused plan shows in its status
 * what the rollout will do, and it does not churn; `plan preview` prints the same from the live
 * plan and from a file never applied; once unpaused, status.estimatedCompletion appears while
 * nodes are upgraded and the preview goes; each finished node carries its measured duration.
 */
import { expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { upgradePlanResource, type UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { completionLabelKey, recordedDurationMs, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE, type NodeObject } from "../../../src/rollout/kube-objects.ts";
import { withSim } from "../../support/sim-harness.ts";
import { plan, quickSpec, startOperator, TO, waitForPlan } from "./harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const sim = withSim();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function cli(args: string[]): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "preview-home-"));
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["src/main.ts", ...args, "--kubeconfig", sim().kubeconfigPath],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: home }, timeout: 60_000 },
  );
  return stdout;
}

const EXPECTED_TEXT = (name: string): string =>
  [
    `upgradeplan/${name} to ${TO}: 7 node(s) to upgrade, 0 already at the target, about 19m`,
    "  estimate: no node measured yet: 3m per node (drain, Job, restart) + healthGate.settle 300ms",
    "etcd: 3 node(s), one at a time (etcd quorum guard), about 10m",
    "  1. etcd-1",
    "  2. server-1",
    "  3. server-2",
    "control-plane: 1 node(s), 1 at a time (etcd quorum guard), about 4m",
    "  1. cp-1",
    "worker: 3 node(s), 2 at a time, about 7m",
    "  1. agent-1, agent-2",
    "  2. agent-3",
    "",
  ].join("\n");

it("a paused plan previews its rollout; running, it shows an ETA", async () => {
  const operator = await startOperator(sim().operatorPort);
  try {
    const spec = quickSpec({ paused: true, concurrency: { workers: 2 } });
    // The file form first: nothing is applied yet.
    const dir = mkdtempSync(join(tmpdir(), "preview-file-"));
    const file = join(dir, "plan.yaml");
    writeFileSync(file, stringify(plan("preview", spec)));
    expect(await cli(["plan", "preview", "-f", file])).toBe(EXPECTED_TEXT("preview"));
    expect(await sim().port.get(upgradePlanResource, "preview")).toBeUndefined();

    await sim().port.create(upgradePlanResource, plan("preview", spec));
    const paused = await waitForPlan(sim().port, "preview", (p) => p.status?.preview !== undefined, "a preview");
    expect(paused.status?.phase).toBe("Paused");
    expect(paused.status?.estimatedCompletion).toBeUndefined();
    expect(paused.status?.preview).toEqual({
      nodes: 7,
      skipped: 0,
      estimatedDuration: "19m",
      estimateBasis: "no node measured yet: 3m per node (drain, Job, restart) + healthGate.settle 300ms",
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
          estimatedDuration: "10m",
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
    expect(Buffer.byteLength(JSON.stringify(paused.status?.preview))).toBeLessThan(1024);
    expect(await cli(["plan", "preview", "preview"])).toBe(EXPECTED_TEXT("preview"));

    // Stable: node heartbeats keep the operator reconciling, and the status is not rewritten.
    await pause(1500);
    const later = await sim().port.get<UpgradePlan>(upgradePlanResource, "preview");
    expect(later?.metadata.resourceVersion).toBe(paused.metadata.resourceVersion);

    await sim().port.mergePatch(upgradePlanResource, "preview", { spec: { paused: false } });
    const running = await waitForPlan(
      sim().port,
      "preview",
      (p) => p.status?.estimatedCompletion !== undefined,
      "an ETA while upgrading",
      60_000,
    );
    expect(running.status?.phase).toBe("Upgrading");
    expect(running.status?.preview).toBeUndefined();
    expect(running.status?.estimatedCompletion).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);

    const done = await waitForPlan(sim().port, "preview", (p) => p.status?.phase === "Succeeded", "success", 120_000);
    expect(done.status?.estimatedCompletion).toBeUndefined();
    expect(done.status?.preview).toBeUndefined();
    const key = completionLabelKey("UpgradePlan", "preview");
    const nodes = (await sim().port.list<NodeObject>(NODE_RESOURCE)).items;
    for (const node of nodes) {
      expect(recordedDurationMs(node.metadata.annotations, key, targetHash(TO))).toBeGreaterThan(0);
    }
  } finally {
    await operator.stop();
  }
}, 240_000);
