import { describe, expect, it } from "@jest/globals";
import {
  findCondition,
  isConditionTrue,
  setCondition,
  toKubeTime,
  type Condition,
} from "../../../src/api/condition.ts";

const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const t1 = t0 + 60_000;
const ready = (status: Condition["status"], at: number, generation = 1): Condition => ({
  type: "Ready",
  status,
  reason: status === "True" ? "SnapshotSucceeded" : "SnapshotFailed",
  message: "m",
  observedGeneration: generation,
  lastTransitionTime: toKubeTime(at),
});

describe("setCondition", () => {
  it.each([
    {
      name: "adds a missing condition with now as transition time",
      before: [] as Condition[],
      next: {
        type: "Ready",
        status: "True" as const,
        reason: "SnapshotSucceeded",
        message: "ok",
        observedGeneration: 3,
      },
      expected: [
        {
          type: "Ready",
          status: "True",
          reason: "SnapshotSucceeded",
          message: "ok",
          observedGeneration: 3,
          lastTransitionTime: "2026-01-01T00:01:00Z",
        },
      ],
    },
    {
      name: "keeps the transition time when status stays, but updates reason, message and generation",
      before: [ready("True", t0)],
      next: { type: "Ready", status: "True" as const, reason: "StillFine", message: "new", observedGeneration: 2 },
      expected: [
        {
          type: "Ready",
          status: "True",
          reason: "StillFine",
          message: "new",
          observedGeneration: 2,
          lastTransitionTime: "2026-01-01T00:00:00Z",
        },
      ],
    },
    {
      name: "moves the transition time when status flips",
      before: [ready("True", t0)],
      next: {
        type: "Ready",
        status: "False" as const,
        reason: "SnapshotFailed",
        message: "boom",
        observedGeneration: 1,
      },
      expected: [
        {
          type: "Ready",
          status: "False",
          reason: "SnapshotFailed",
          message: "boom",
          observedGeneration: 1,
          lastTransitionTime: "2026-01-01T00:01:00Z",
        },
      ],
    },
  ])("$name", ({ before, next, expected }) => {
    expect(setCondition(before, next, t1)).toEqual(expected);
  });

  it("leaves other conditions and the input untouched", () => {
    const overdue: Condition = { ...ready("False", t0), type: "SnapshotOverdue", reason: "OnSchedule" };
    const before = [overdue, ready("True", t0)];
    const frozen = structuredClone(before);
    const after = setCondition(
      before,
      { type: "Ready", status: "Unknown", reason: "X", message: "", observedGeneration: 1 },
      t1,
    );
    expect(before).toEqual(frozen);
    expect(after[0]).toBe(overdue);
    expect(after.map((c) => c.type)).toEqual(["SnapshotOverdue", "Ready"]);
    expect(isConditionTrue(after, "Ready")).toBe(false);
    expect(findCondition(after, "Ready")?.status).toBe("Unknown");
  });

  it("writes second-precision timestamps as metav1.Time does", () => {
    expect(toKubeTime(t0 + 1_999)).toBe("2026-01-01T00:00:01Z");
  });
});
