/**
 * The bad input of reliability scenario 15 that the CRDs themselves refuse (OpenAPI schema and
 * CEL rules), sent to the API server of the lane: the simulated one on `npm test`, a real
 * kube-apiserver v1.23 (CEL behind its alpha feature gate) on `npm run test:real`. Both must answer
 * 422 Invalid naming the same field and reason. What no CRD can know (an unknown time zone, a
 * downgrade, a minor skip) is refused by the operator with a condition: the integration tests.
 * Where the two servers word a message differently, the test says so below.
 */
import { describe, expect, it } from "@jest/globals";
import { certRotationResource } from "../../src/api/certrotation.ts";
import { etcdSnapshotPolicyResource } from "../../src/api/etcdsnapshotpolicy.ts";
import { upgradePlanResource } from "../../src/api/upgradeplan.ts";
import { KubeError } from "../../src/runtime/kube/errors.ts";
import type { ResourceType } from "../../src/runtime/kube/types.ts";
import { withSim } from "../support/sim-harness.ts";

const sim = withSim();
const KINDS: Record<string, ResourceType> = {
  EtcdSnapshotPolicy: etcdSnapshotPolicyResource,
  CertRotation: certRotationResource,
  UpgradePlan: upgradePlanResource,
};
const VERSION = "v1.31.4+rke2r1";

async function refusal(kind: string, name: string, spec: object): Promise<KubeError> {
  const type = KINDS[kind];
  if (!type) throw new Error(`unknown kind ${kind}`);
  try {
    await sim().port.create(type, { apiVersion: type.apiVersion, kind, metadata: { name }, spec });
  } catch (err) {
    if (err instanceof KubeError) return err;
    throw err;
  }
  await sim().port.delete(type, name);
  throw new Error(`${kind} ${JSON.stringify(spec)} was accepted`);
}

describe("the CRDs refuse scenario 15's bad specs on the lane's API server", () => {
  it.each([
    [
      "EtcdSnapshotPolicy",
      { schedule: "0 * * * *", retention: { count: 0 } },
      "spec.retention.count",
      "FieldValueInvalid",
    ],
    ["EtcdSnapshotPolicy", { retention: { count: 3 } }, "spec.schedule", "FieldValueRequired"],
    ["EtcdSnapshotPolicy", { schedule: "0 * * * *", nodes: "Some" }, "spec.nodes", "FieldValueNotSupported"],
    // kube-apiserver v1.23 names the list (spec.services) for an item's enum violation; the sim, like
    // later releases, names the item (spec.services[0]).
    ["CertRotation", { services: ["kubelets"] }, ["spec.services[0]", "spec.services"], "FieldValueNotSupported"],
    ["CertRotation", { renewBefore: "30d" }, "spec.renewBefore", "FieldValueInvalid"],
    ["UpgradePlan", { version: VERSION, concurrency: { workers: 0 } }, "spec.concurrency.workers", "FieldValueInvalid"],
    ["UpgradePlan", { version: "1.31" }, "spec.version", "FieldValueInvalid"],
  ])("schema: %s %j is refused at %s (%s)", async (kind, spec, field, reason) => {
    const err = await refusal(kind, "bad-schema", spec);
    expect(err.details.code).toBe(422);
    const fields = typeof field === "string" ? [field] : field;
    expect(err.details.causes?.some((cause) => fields.includes(cause.field ?? "") && cause.reason === reason)).toBe(
      true,
    );
  });

  it.each([
    ["UpgradePlan", { version: VERSION, channel: "https://update.rke2.io/v1-release/channels/stable" }, "spec"],
    ["UpgradePlan", {}, "spec"],
    ["CertRotation", { window: { startTime: "01:00", endTime: "01:00" } }, "spec.window"],
    [
      "UpgradePlan",
      { version: VERSION, nodeSelector: { matchExpressions: [{ key: "a", operator: "In" }] } },
      "spec.nodeSelector.matchExpressions[0]",
    ],
  ])("CEL: %s %j is refused at %s", async (kind, spec, field) => {
    const err = await refusal(kind, "bad-cel", spec);
    expect(err.details.code).toBe(422);
    // Both servers report a failed rule as FieldValueInvalid at the rule's object, with the rule's
    // message; v1.23 knows no messageExpression, and none of our rules uses one.
    expect(err.details.causes).toContainEqual(expect.objectContaining({ field, reason: "FieldValueInvalid" }));
  });

  it("CEL: a name over 63 characters is refused (it is a label value on node Jobs)", async () => {
    const err = await refusal("CertRotation", "a".repeat(64), {});
    expect(err.details.code).toBe(422);
    expect(err.message).toContain("63");
  });
});
