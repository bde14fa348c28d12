import { describe, expect, it } from "@jest/globals";
import { CLAIM_ANNOTATION, readClaim } from "../../../../src/rollout/claim.ts";
import { dropCompletion, reopenAsFailedAttempt, type ReopenInput } from "../../../../src/rollout/reopen.ts";

const input: ReopenInput = {
  owner: "CertRotation/default",
  targetHash: "0123456789abcdef",
  completionLabel: "rke2-lifecycle.io/certrotation.default",
  attempts: 1,
  maxAttempts: 2,
  message: "certificates did not change after rotation: x",
  node: { resourceVersion: "42", unschedulable: false },
  now: Date.UTC(2026, 2, 1),
};

type Patch = {
  metadata: { resourceVersion: string; labels: Record<string, null>; annotations?: Record<string, string> };
};

describe("handing a finished node back to the engine", () => {
  it("as a failed attempt with attempts left: the engine starts the next one", () => {
    const patch = reopenAsFailedAttempt(input) as Patch;
    expect(patch.metadata.resourceVersion).toBe("42");
    expect(patch.metadata.labels).toEqual({ "rke2-lifecycle.io/certrotation.default": null });
    expect(readClaim(patch.metadata.annotations)).toEqual({
      owner: "CertRotation/default",
      target: "0123456789abcdef",
      attempts: 1,
      wasUnschedulable: false,
      claimedAt: "2026-03-01T00:00:00.000Z",
    });
  });

  it("as the last failed attempt: the node is marked failed and the rollout halts", () => {
    const patch = reopenAsFailedAttempt({
      ...input,
      attempts: 2,
      node: { resourceVersion: "42", unschedulable: true },
    }) as Patch;
    expect(readClaim({ [CLAIM_ANNOTATION]: patch.metadata.annotations?.[CLAIM_ANNOTATION] ?? "" })).toMatchObject({
      attempts: 2,
      failed: input.message,
      wasUnschedulable: true,
    });
  });

  it("as due again: only the completion label goes", () => {
    expect(dropCompletion("rke2-lifecycle.io/certrotation.default", "7")).toEqual({
      metadata: { resourceVersion: "7", labels: { "rke2-lifecycle.io/certrotation.default": null } },
    });
  });
});
