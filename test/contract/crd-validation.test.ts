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
import { CRD_REFUSALS } from "../support/bad-specs.ts";
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
  it.each(CRD_REFUSALS)(
    "$kind spec $spec is refused at $fields.0 ($reason)",
    async ({ kind, spec, fields, reason }) => {
      const err = await refusal(kind, "bad-spec", spec);
      expect(err.details.code).toBe(422);
      // CEL rules included: both servers report a failed rule as FieldValueInvalid at the rule's
      // object, with the rule's message; v1.23 knows no messageExpression, and none of our rules uses one.
      const named = err.details.causes?.filter((cause) => fields.includes(cause.field ?? ""));
      expect(named?.map((cause) => cause.reason)).toContain(reason);
    },
  );

  it("CEL: exactly one of version or channel", async () => {
    for (const spec of [{ version: VERSION, channel: "https://update.rke2.io/v1-release/channels/stable" }, {}]) {
      const err = await refusal("UpgradePlan", "bad-target", spec);
      expect(err.details.causes).toContainEqual(
        expect.objectContaining({ field: "spec", reason: "FieldValueInvalid" }),
      );
    }
  });

  it("CEL: a name over 63 characters is refused (it is a label value on node Jobs)", async () => {
    const err = await refusal("CertRotation", "a".repeat(64), {});
    expect(err.details.code).toBe(422);
    expect(err.message).toContain("63");
  });
});
