import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../charts/render.ts";
import { cond, cr, upgradePlanCases, type Case } from "./argocd-health-cases.ts";
import { luaLiteral, luaOnly51Syntax, runHealthCheck } from "./lua-health.ts";

const ARGOCD = join(REPO_ROOT, "deploy/argocd");
const script = (file: string): string => readFileSync(join(ARGOCD, file), "utf8");

const snapshotPolicyCases: Case[] = [
  [
    "no status yet",
    { kind: "EtcdSnapshotPolicy", metadata: { name: "x", generation: 1 }, spec: { schedule: "0 * * * *" } },
    "Progressing",
    "",
  ],
  [
    "the newest snapshot succeeded",
    cr("EtcdSnapshotPolicy", [
      cond("Ready", "True", "SnapshotSucceeded", "took every-6h-n1"),
      cond("SnapshotOverdue", "False"),
      cond("StorageAvailable", "True"),
    ]),
    "Healthy",
    "took every-6h-n1",
  ],
  [
    "the newest snapshot failed",
    cr("EtcdSnapshotPolicy", [cond("Ready", "False", "SnapshotFailed", "etcd busy"), cond("StorageAvailable", "True")]),
    "Degraded",
    "etcd busy",
  ],
  [
    "overdue",
    cr("EtcdSnapshotPolicy", [
      cond("Ready", "True"),
      cond("SnapshotOverdue", "True", "Overdue", "last success 2d ago"),
    ]),
    "Degraded",
    "last success 2d ago",
  ],
  [
    "storage unreachable",
    cr("EtcdSnapshotPolicy", [
      cond("Ready", "False", "StorageUnavailable"),
      cond("StorageAvailable", "False", "StorageUnreachable", "bucket not found"),
    ]),
    "Degraded",
    "bucket not found",
  ],
  [
    "suspended",
    cr("EtcdSnapshotPolicy", [cond("Ready", "True", "Suspended"), cond("SnapshotOverdue", "False", "Suspended")], {
      spec: { suspend: true },
    }),
    "Suspended",
    "",
  ],
  // The controller reports "no snapshot yet" and "suspended" as Ready=True (controllers/etcdsnapshotpolicy/status.ts).
  [
    "no snapshot taken yet",
    cr("EtcdSnapshotPolicy", [
      cond("Ready", "True", "NoSnapshotYet", "no snapshot taken yet, next at 06:00"),
      cond("SnapshotOverdue", "False"),
      cond("StorageAvailable", "Unknown"),
    ]),
    "Healthy",
    "next at 06:00",
  ],
  [
    "a snapshot running",
    cr("EtcdSnapshotPolicy", [cond("Ready", "False", "SnapshotInProgress", "saving on node-1")]),
    "Progressing",
    "saving on node-1",
  ],
  [
    "an invalid spec",
    cr("EtcdSnapshotPolicy", [cond("Ready", "False", "InvalidSpec", "bad cron")], { spec: { suspend: true } }),
    "Degraded",
    "bad cron",
  ],
];

const certRotationCases: Case[] = [
  ["no status yet", { kind: "CertRotation", metadata: { name: "x", generation: 1 } }, "Progressing", ""],
  [
    "all valid",
    cr("CertRotation", [
      cond("Ready", "True", "AllCertificatesValid", "earliest expiry in 300d"),
      cond("ExpiringSoon", "False"),
    ]),
    "Healthy",
    "earliest expiry in 300d",
  ],
  [
    "valid but expiring soon",
    cr("CertRotation", [cond("Ready", "True"), cond("ExpiringSoon", "True", "ExpiringWarning", "node-1 in 20d")]),
    "Healthy",
    "node-1 in 20d",
  ],
  [
    "rotating",
    cr("CertRotation", [
      cond("Ready", "False", "Rotating"),
      cond("Progressing", "True", "Rotating", "rotating node-3"),
    ]),
    "Progressing",
    "rotating node-3",
  ],
  [
    "a failed rotation",
    cr("CertRotation", [cond("Ready", "False"), cond("Degraded", "True", "RotationFailed", "node-3 failed")]),
    "Degraded",
    "node-3 failed",
  ],
  ["paused", cr("CertRotation", [cond("Ready", "True")], { spec: { paused: true } }), "Suspended", ""],
  [
    "waiting for its window",
    cr("CertRotation", [cond("Ready", "False", "WaitingForWindow"), cond("Progressing", "False", "WaitingForWindow")], {
      phase: "Waiting",
    }),
    "Suspended",
    "",
  ],
  [
    "waiting for etcd health",
    cr("CertRotation", [cond("Ready", "False", "EtcdUnhealthy"), cond("Progressing", "False", "EtcdUnhealthy")], {
      phase: "Waiting",
      message: "etcd quorum guard: x",
    }),
    "Progressing",
    "etcd quorum guard",
  ],
  [
    "blocked by Rancher",
    cr("CertRotation", [cond("Ready", "False", "ManagedByRancher", "Rancher rotates these")], {
      phase: "Blocked",
      message: "Rancher rotates these",
    }),
    "Degraded",
    "Rancher rotates these",
  ],
  [
    "halted",
    cr(
      "CertRotation",
      [cond("Ready", "False", "RotationFailed"), cond("Degraded", "True", "RotationFailed", "failed node(s): n")],
      { phase: "Halted", message: "rotation halted (change spec.trigger to retry): n: Job failed" },
    ),
    "Degraded",
    "change spec.trigger",
  ],
  [
    "no inventory",
    cr("CertRotation", [cond("Ready", "False", "InventoryUnavailable", "no inventory from node-2")]),
    "Degraded",
    "no inventory from node-2",
  ],
  [
    "waiting for approval of the worker tier",
    cr("CertRotation", [
      cond("Ready", "False", "Rotating"),
      cond("Progressing", "True", "AwaitingApproval"),
      cond("AwaitingApproval", "True", "AwaitingApproval", "the worker tier waits for approval"),
    ]),
    "Suspended",
    "the worker tier waits for approval",
  ],
];

describe.each([
  ["upgradeplan.lua", upgradePlanCases],
  ["etcdsnapshotpolicy.lua", snapshotPolicyCases],
  ["certrotation.lua", certRotationCases],
])("%s", (file, cases) => {
  it.each(cases.map(([name, object, status, message]) => [name, status, message, object] as const))(
    "%s -> %s",
    async (_name, status, message, object) => {
      const health = await runHealthCheck(script(file), object);
      expect(health.status).toBe(status);
      expect(health.message).toContain(message);
    },
  );

  it("keeps to Lua 5.1, which Argo CD's gopher-lua runs", () => {
    expect(luaOnly51Syntax(script(file))).toEqual([]);
  });
});

describe("argocd-cm-health.yaml", () => {
  it("carries each script verbatim under resource.customizations.health.<group>_<kind>", () => {
    const cm = parse(script("argocd-cm-health.yaml")) as {
      kind: string;
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect([cm.kind, cm.metadata.name]).toEqual(["ConfigMap", "argocd-cm"]);
    expect(cm.data).toEqual({
      "resource.customizations.health.rke2-lifecycle.io_EtcdSnapshotPolicy": script("etcdsnapshotpolicy.lua"),
      "resource.customizations.health.rke2-lifecycle.io_CertRotation": script("certrotation.lua"),
      "resource.customizations.health.rke2-lifecycle.io_UpgradePlan": script("upgradeplan.lua"),
    });
  });
});

describe("the test harness", () => {
  it("turns JSON into Lua literals, escaping quotes, backslashes and non-ASCII", async () => {
    expect(luaLiteral({ a: [1, 'x"\\'], b: null })).toBe('{["a"] = {1, "x\\034\\092"}, ["b"] = nil}');
    const echoed = await runHealthCheck("return {status = obj.s, message = obj.list[2]}", { s: "é", list: ["a", "b"] });
    expect(echoed).toEqual({ status: "é", message: "b" });
  });

  it("notices syntax gopher-lua would reject", () => {
    expect(luaOnly51Syntax("local x = 7 // 2\ngoto done")).toEqual(["goto", "integer division"]);
  });
});
