import { describe, expect, it } from "@jest/globals";
import type { CertRotationStatus } from "../../../../src/api/certrotation.ts";
import type { RoundPlan } from "../../../../src/controllers/certrotation/decide.ts";
import { nodeEvent, transitionEvents, verificationEvents } from "../../../../src/controllers/certrotation/events.ts";

const T = "2026-03-01T00:00:00Z";
function status(
  phase: CertRotationStatus["phase"],
  conditions: [type: string, status: "True" | "False" | "Unknown", reason: string][],
  extra: Partial<CertRotationStatus> = {},
): CertRotationStatus {
  return {
    phase,
    conditions: conditions.map(([type, s, reason]) => ({
      type,
      status: s,
      reason,
      message: `${type} ${reason}`,
      lastTransitionTime: T,
    })),
    ...extra,
  };
}

describe("CertRotation events", () => {
  it("warns when certificates start expiring, and says when they no longer are", () => {
    const quiet = status("Idle", [
      ["ExpiringSoon", "False", "NotExpiring"],
      ["Ready", "True", "AllCertificatesValid"],
    ]);
    const warning = status("Idle", [
      ["ExpiringSoon", "True", "ExpiringWarning"],
      ["Ready", "True", "AllCertificatesValid"],
    ]);
    const critical = status("Idle", [
      ["ExpiringSoon", "True", "ExpiringCritical"],
      ["Ready", "True", "AllCertificatesValid"],
    ]);
    expect(transitionEvents(quiet, warning)).toEqual([
      { type: "Warning", reason: "ExpiringWarning", message: "ExpiringSoon ExpiringWarning" },
    ]);
    expect(transitionEvents(warning, critical)).toEqual([
      { type: "Warning", reason: "ExpiringCritical", message: "ExpiringSoon ExpiringCritical" },
    ]);
    expect(transitionEvents(critical, quiet)).toEqual([
      { type: "Normal", reason: "NotExpiring", message: "ExpiringSoon NotExpiring" },
    ]);
    expect(transitionEvents(warning, warning)).toEqual([]);
    expect(transitionEvents({}, quiet)).toEqual([]);
  });

  it("marks the start and the end of a rotation, failures and waits", () => {
    const idle = status("Idle", [
      ["Ready", "True", "AllCertificatesValid"],
      ["Progressing", "False", "AllCertificatesValid"],
    ]);
    const rotating = status("Rotating", [
      ["Ready", "False", "Rotating"],
      ["Progressing", "True", "Rotating"],
    ]);
    const blocked = status("Rotating", [
      ["Ready", "False", "Rotating"],
      ["Progressing", "True", "EtcdUnhealthy"],
    ]);
    const failed = status("Halted", [
      ["Ready", "False", "RotationFailed"],
      ["Progressing", "False", "RotationFailed"],
    ]);
    expect(transitionEvents(idle, rotating).map((e) => e.reason)).toEqual(["Rotating"]);
    expect(transitionEvents(rotating, blocked)).toEqual([
      { type: "Warning", reason: "EtcdUnhealthy", message: "Progressing EtcdUnhealthy" },
    ]);
    expect(transitionEvents(rotating, { ...idle, lastTrigger: "x" }).map((e) => e.reason)).toEqual([
      "RotationComplete",
      "TriggerHandled",
    ]);
    expect(transitionEvents(rotating, failed)).toEqual([
      { type: "Warning", reason: "RotationFailed", message: "Ready RotationFailed" },
    ]);
  });

  it("reports confirmations of nodes that were listed in progress, and the failed checks", () => {
    const before: CertRotationStatus = {
      nodes: [
        { name: "a", role: "etcd", phase: "WaitingHealthy" },
        { name: "b", role: "etcd", phase: "Pending" },
      ],
    };
    const plan: RoundPlan = {
      target: "renew",
      triggerPending: false,
      checked: new Map([
        [
          "a",
          {
            record: { job: "j", attempt: 1, completedAtMs: 0, before: undefined },
            verification: { state: "confirmed" },
          },
        ],
        [
          "b",
          {
            record: { job: "k", attempt: 1, completedAtMs: 0, before: undefined },
            verification: { state: "confirmed" },
          },
        ],
      ]),
      reopen: [
        {
          node: "c",
          input: {
            owner: "o",
            targetHash: "h",
            completionLabel: "l",
            attempts: 2,
            maxAttempts: 2,
            message: "certificates did not change after rotation: x",
            node: { resourceVersion: "1", unschedulable: false },
            now: 0,
          },
        },
      ],
      dueAgain: [],
      mayStart: true,
      startBlock: undefined,
      satisfied: new Set(),
      runEngine: true,
    };
    expect(verificationEvents(before, plan)).toEqual([
      { type: "Normal", reason: "RotationConfirmed", message: "a: the inventory shows renewed certificates" },
      {
        type: "Warning",
        reason: "RotationFailed",
        message: "c: attempt 2 of 2 failed: certificates did not change after rotation: x",
      },
    ]);
  });

  it("passes the engine's node events on, under the API's name for a failed node", () => {
    expect(nodeEvent({ type: "Warning", reason: "NodeFailed", message: "x failed" })).toEqual({
      type: "Warning",
      reason: "RotationFailed",
      message: "x failed",
    });
    expect(nodeEvent({ type: "Normal", reason: "NodeStarted", message: "x started" }).reason).toBe("NodeStarted");
  });
});
