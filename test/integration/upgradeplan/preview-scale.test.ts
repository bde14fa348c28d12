/**
 * Issue 17: the preview of a 1,000-node cluster (3 servers, 997 agents, 100 of them already at the
 * target) stays small in the status, with counts and name ranges, while `plan preview` names every
 * node. Both lanes (on the real one, 1,000 Node objects in kube-apiserver); the pure rendering is
 * also measured at 5,000 nodes in test/unit/rollout/preview-status.test.ts.
 */
import { describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { upgradePlanResource } from "../../../src/api/upgradeplan.ts";
import { completionLabelKey, targetHash } from "../../../src/rollout/claim.ts";
import { NODE_RESOURCE } from "../../../src/rollout/kube-objects.ts";
import { scaleTopology } from "../../../src/sim/cluster/topology.ts";

import { withSim } from "../../support/sim-harness.ts";
import { plan, quickSpec, startOperator, TO, waitForPlan } from "./harness.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const AGENTS = Array.from({ length: 997 }, (_, i) => `agent-${i + 1}`);
const DONE = AGENTS.slice(0, 100);

describe("preview at 1,000 nodes", () => {
  const sim = withSim({ topology: scaleTopology(1000), workloads: false, durations: { heartbeatMs: 5000 } });

  it("the status preview stays small; the CLI lists every node", async () => {
    const label = completionLabelKey(upgradePlanResource.kind, "big");
    for (const name of DONE)
      await sim().port.mergePatch(NODE_RESOURCE, name, { metadata: { labels: { [label]: targetHash(TO) } } });
    const operator = await startOperator(sim().operatorPort);
    try {
      await sim().port.create(
        upgradePlanResource,
        plan("big", quickSpec({ paused: true, concurrency: { workers: "10%" } })),
      );
      const paused = await waitForPlan(sim().port, "big", (p) => p.status?.preview !== undefined, "a preview", 60_000);
      const preview = paused.status?.preview;
      expect(preview).toMatchObject({ nodes: 900, skipped: 100, truncated: true });
      expect(preview?.tiers.map((tier) => [tier.tier, tier.nodes, tier.concurrency, tier.batchCount])).toEqual([
        ["etcd", 3, 1, 3],
        ["worker", 897, 99, 10],
      ]);
      const worker = preview?.tiers[1];
      expect(worker?.skipped).toBe(100);
      expect(worker?.more).toMatch(/^\d+ more batch\(es\): agent-\S+ \.\. agent-\S+ \(\d+ nodes\)$/);
      const bytes = Buffer.byteLength(JSON.stringify(preview));
      console.log(`status.preview at 1,000 nodes: ${bytes} bytes`);
      expect(bytes).toBeLessThan(4096);

      const { stdout } = await promisify(execFile)(
        process.execPath,
        ["src/main.ts", "plan", "preview", "big", "--kubeconfig", sim().kubeconfigPath],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? "", HOME: mkdtempSync(join(tmpdir(), "scale-")) },
          timeout: 60_000,
        },
      );
      const batches = stdout.split("\n").filter((line) => /^ {2}\d+\. /.test(line));
      expect(batches).toHaveLength(13);
      const listed = batches.flatMap((line) => line.replace(/^ {2}\d+\. /, "").split(", "));
      expect(listed.sort()).toEqual(["server-1", "server-2", "server-3", ...AGENTS.slice(100)].sort());
      const skipped = stdout.split("\n").find((line) => line.startsWith("  already at the target: "));
      expect(skipped?.replace("  already at the target: ", "").split(", ").sort()).toEqual([...DONE].sort());
    } finally {
      await operator.stop();
    }
  }, 180_000);
});
