import { describe, expect, it } from "@jest/globals";
import { Terminal } from "@xterm/headless";
import type { UpgradePlan } from "../../../src/api/upgradeplan.ts";
import type { NodeSummary } from "../../../src/cli/node-tiers.ts";
import { gateOf, liveFrame, progressBar } from "../../../src/demo/live.ts";
import { LiveScreen } from "../../../src/demo/screen.ts";
import type { DemoObservation } from "../../../src/demo/view.ts";

const TARGET = "v1.31.4+rke2r1";
const OLD = "v1.30.6+rke2r1";

const node = (name: string, tier: NodeSummary["tier"], version: string, extra: Partial<NodeSummary> = {}) => ({
  name,
  tier,
  roles: tier === "worker" ? "worker" : tier === "etcd" ? "etcd+cp" : "cp",
  version,
  ready: true,
  cordoned: false,
  ...extra,
});

const plan = (status: UpgradePlan["status"]): UpgradePlan => ({
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "UpgradePlan",
  metadata: { name: "to-v1-31" },
  spec: { version: TARGET, snapshot: { policyRef: "every-minute" } },
  status,
});

const upgrading = (nodes: NonNullable<UpgradePlan["status"]>["nodes"], phase = "Upgrading" as const) =>
  plan({ observedGeneration: 1, phase, targetVersion: TARGET, progress: "1/3", nodes });

describe("gateOf", () => {
  it.each([
    [undefined, "the UpgradePlan is not applied yet"],
    [plan(undefined), "the operator to reconcile the plan"],
    [
      plan({
        observedGeneration: 1,
        phase: "Upgrading",
        conditions: [
          {
            type: "SnapshotTaken",
            status: "False",
            reason: "SnapshotInProgress",
            message: "snapshot-save Job running on etcd-1",
            lastTransitionTime: "2026-12-07T12:00:00Z",
          },
        ],
      }),
      "the pre-upgrade etcd snapshot (policy every-minute)",
    ],
    [
      upgrading([{ name: "server-1", tier: "etcd", phase: "WaitingHealthy", attempts: 1 }]),
      "the health gate of server-1 (Ready, then settle)",
    ],
    [upgrading([{ name: "agent-1", tier: "worker", phase: "Draining", attempts: 1 }]), "the drain of agent-1"],
    [upgrading([{ name: "cp-1", tier: "control-plane", phase: "Upgrading", attempts: 1 }]), "the upgrade Job on cp-1"],
    [
      plan({
        observedGeneration: 1,
        phase: "Pending",
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "DisruptionLockHeld",
            message: "CertRotation/default holds the disruption lock",
            lastTransitionTime: "2026-12-07T12:00:00Z",
          },
        ],
      }),
      "Pending: DisruptionLockHeld (CertRotation/default holds the disruption lock)",
    ],
    [plan({ observedGeneration: 1, phase: "Succeeded" }), "nothing: every node is at the target"],
  ])("%# %s", (input, expected) => {
    expect(gateOf(input)).toBe(expected);
  });
});

describe("liveFrame", () => {
  const observed: DemoObservation = {
    nodes: [
      node("etcd-1", "etcd", TARGET),
      node("server-1", "etcd", OLD, { cordoned: true }),
      node("agent-1", "worker", OLD),
    ],
    plan: upgrading([{ name: "server-1", tier: "etcd", phase: "WaitingHealthy", attempts: 1 }]),
    jobs: [{ name: "upgrade-to-v1-31-server-1-abc", state: "Running" }],
    certificate: {
      node: "server-1",
      file: "/var/lib/rancher/rke2/server/tls/client-admin.crt",
      notAfter: Date.parse("2026-12-27T12:00:00Z"),
      readAt: Date.parse("2026-12-07T12:00:00Z"),
    },
  };

  it("groups nodes by tier with a bar each, and names the gate", () => {
    const frame = liveFrame(observed, {
      note: "applied UpgradePlan to-v1-31",
      elapsedMs: 12_345,
      target: TARGET,
      width: 120,
    });
    expect(frame).toEqual([
      "elapsed  12.3s   last step: applied UpgradePlan to-v1-31",
      "",
      "UpgradePlan to-v1-31 -> v1.31.4+rke2r1   Upgrading   1/3 upgraded",
      "  waiting on: the health gate of server-1 (Ready, then settle)",
      `  etcd           ${"█".repeat(12)}${"░".repeat(12)} 1/2`,
      "   ✓ etcd-1    etcd+cp   v1.31.4+rke2r1   Ready",
      "     server-1  etcd+cp   v1.30.6+rke2r1   Ready,cordoned     WaitingHealthy",
      `  worker         ${"░".repeat(24)} 0/1`,
      "     agent-1   worker    v1.30.6+rke2r1   Ready",
      "",
      "EtcdSnapshotPolicy: not applied yet",
      "CertRotation: not applied yet",
      "  watched certificate: server-1 server/tls/client-admin.crt expires 2026-12-27 (in 20d)",
      "node Jobs: 0 finished, running: upgrade-to-v1-31-server-1-abc",
    ]);
  });

  it("cuts every line to the terminal's width", () => {
    const frame = liveFrame(observed, { note: "x".repeat(200), elapsedMs: 0, target: TARGET, width: 40 });
    expect(Math.max(...frame.map((line) => line.length))).toBeLessThanOrEqual(39);
  });

  it("draws bars in proportion", () => {
    expect(progressBar(0, 3, 6)).toBe("░░░░░░");
    expect(progressBar(2, 3, 6)).toBe("████░░");
    expect(progressBar(0, 0, 6)).toBe("░░░░░░");
  });
});

describe("LiveScreen", () => {
  /** What a terminal shows after `text`, as xterm.js renders it. */
  function screenOf(text: string): Promise<string[]> {
    const terminal = new Terminal({ cols: 40, rows: 10, allowProposedApi: true });
    return new Promise((resolve) => {
      terminal.write(text.replace(/\n/g, "\r\n"), () => {
        const buffer = terminal.buffer.active;
        const lines = Array.from({ length: buffer.length }, (_, i) => buffer.getLine(i)?.translateToString(true) ?? "");
        resolve(lines.filter((line) => line !== ""));
      });
    });
  }

  it("redraws the frame in place, and writes nothing for an unchanged frame", async () => {
    let written = "";
    const screen = new LiveScreen((text) => {
      written += text;
    });
    written += "header\n";
    screen.draw(["a 1", "b 1", "c 1"]);
    screen.draw(["a 2", "b 2"]);
    const before = written.length;
    screen.draw(["a 2", "b 2"]);
    expect(written.length).toBe(before);
    expect(await screenOf(written)).toEqual(["header", "a 2", "b 2"]);
  });
});
