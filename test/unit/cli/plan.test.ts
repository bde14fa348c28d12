import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import { planOutcome, planPatch } from "../../../src/cli/plan.ts";
import { main } from "../../../src/main.ts";
import { captureIo } from "../../support/cli-io.ts";

const NOW = new Date("2026-12-07T10:00:00.000Z");

function plan(paused: boolean | undefined, phase?: string): UpgradePlan {
  return {
    apiVersion: "rke2-lifecycle.io/v1alpha1",
    kind: "UpgradePlan",
    metadata: { name: "p" },
    spec: { version: "v1.31.4+rke2r1", ...(paused === undefined ? {} : { paused }) },
    ...(phase ? { status: { phase: phase as "Halted" } } : {}),
  };
}

describe("planPatch", () => {
  it.each([
    { action: "pause", paused: undefined, patch: { spec: { paused: true } } },
    { action: "pause", paused: false, patch: { spec: { paused: true } } },
    { action: "pause", paused: true, patch: undefined },
    { action: "resume", paused: true, patch: { spec: { paused: false } } },
    { action: "resume", paused: undefined, patch: undefined },
    { action: "retry", paused: false, patch: { spec: { failurePolicy: { retry: "2026-12-07T10:00:00.000Z" } } } },
    { action: "retry", paused: true, patch: { spec: { failurePolicy: { retry: "2026-12-07T10:00:00.000Z" } } } },
  ] as const)("$action on paused=$paused → $patch", ({ action, paused, patch }) => {
    expect(planPatch(action, plan(paused), NOW)).toEqual(patch);
  });
});

describe("planOutcome", () => {
  it.each([
    {
      action: "pause",
      before: plan(false, "Upgrading"),
      written: true,
      line: "upgradeplan/p paused: no new node starts; nodes in progress finish (phase was Upgrading)",
    },
    {
      action: "pause",
      before: plan(true, "Paused"),
      written: false,
      line: "upgradeplan/p is already paused (no change)",
    },
    { action: "resume", before: plan(true, "Paused"), written: true, line: "upgradeplan/p resumed (phase was Paused)" },
    { action: "resume", before: plan(false), written: false, line: "upgradeplan/p is not paused (no change)" },
    { action: "retry", before: plan(false, "Halted"), written: true, line: "upgradeplan/p: retry requested" },
    {
      action: "retry",
      before: plan(true, "Halted"),
      written: true,
      line: "upgradeplan/p: retry requested; it is paused: the retry happens once it is resumed",
    },
    {
      action: "retry",
      before: plan(false, "Upgrading"),
      written: true,
      line:
        "upgradeplan/p: retry requested; the plan is not halted (phase Upgrading): " +
        "there are no failed nodes to retry",
    },
  ] as const)("$action ($before.status.phase) → $line", ({ action, before, written, line }) => {
    expect(planOutcome(action, before, written)).toBe(line);
  });
});

describe("rke2-lifecycle plan: errors", () => {
  it.each([
    [["plan"], "expected an action (preview, pause, resume, retry, approve)"],
    [["plan", "stop", "p"], 'expected an action (preview, pause, resume, retry, approve), got "stop"'],
    [["plan", "approve", "p"], "approve: expected a tier (etcd, control-plane or worker) after the plan name"],
    [
      ["plan", "approve", "p", "workers"],
      "approve: expected a tier (etcd, control-plane or worker) after the plan name",
    ],
    [["plan", "approve", "p", "worker", "x"], "unexpected argument x"],
    [["plan", "pause"], "pause: expected the name of an UpgradePlan"],
    [["plan", "pause", "a", "b"], "unexpected argument b"],
    [["plan", "pause", "a", "--namespace", "x"], "--namespace: unknown flag"],
  ])("%j is a one-line usage error, exit 2", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, {}, io)).toBe(2);
    expect(io.err).toBe(`rke2-lifecycle plan: ${message} (see 'rke2-lifecycle plan --help')\n`);
  });

  it("names the API server it cannot reach and why, in one line, exit 1", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => {
          resolve(typeof address === "object" && address ? address.port : 0);
        });
      });
    });
    const dir = mkdtempSync(join(tmpdir(), "plan-cli-"));
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(
      kubeconfig,
      "apiVersion: v1\nkind: Config\ncurrent-context: c\n" +
        `clusters: [{name: c, cluster: {server: 'https://127.0.0.1:${port}'}}]\n` +
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\n",
    );
    const io = captureIo();
    expect(await main(["plan", "pause", "p", "--kubeconfig", kubeconfig], { HOME: dir }, io)).toBe(1);
    expect(io.err).toBe(
      `rke2-lifecycle plan: cannot reach the Kubernetes API server at https://127.0.0.1:${port}: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(io.out).toBe("");
  });
});
