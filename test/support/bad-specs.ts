/**
 * The bad input of reliability scenario 15 that the CRDs themselves refuse (schema and CEL rules):
 * one table for the unit test of our schema machinery (test/unit/api/crd.test.ts) and the contract
 * test that sends it to the lane's API server (test/contract/crd-validation.test.ts).
 * `fields` lists every name a server gives the invalid field, the sim's (and newer releases') first:
 * kube-apiserver v1.23 names the list (spec.services) for an item's enum violation, later releases
 * and the sim the item (spec.services[0]).
 */
export interface CrdRefusal {
  kind: "EtcdSnapshotPolicy" | "CertRotation" | "UpgradePlan";
  spec: object;
  fields: readonly [string, ...string[]];
  reason: string;
}

const VERSION = "v1.31.4+rke2r1";

export const CRD_REFUSALS: readonly CrdRefusal[] = [
  {
    kind: "EtcdSnapshotPolicy",
    spec: { schedule: "0 * * * *", retention: { count: 0 } },
    fields: ["spec.retention.count"],
    reason: "FieldValueInvalid",
  },
  {
    kind: "EtcdSnapshotPolicy",
    spec: { retention: { count: 3 } },
    fields: ["spec.schedule"],
    reason: "FieldValueRequired",
  },
  {
    kind: "EtcdSnapshotPolicy",
    spec: { schedule: "0 * * * *", nodes: "Some" },
    fields: ["spec.nodes"],
    reason: "FieldValueNotSupported",
  },
  {
    kind: "CertRotation",
    spec: { services: ["kubelets"] },
    fields: ["spec.services[0]", "spec.services"],
    reason: "FieldValueNotSupported",
  },
  { kind: "CertRotation", spec: { renewBefore: "30d" }, fields: ["spec.renewBefore"], reason: "FieldValueInvalid" },
  {
    kind: "CertRotation",
    spec: { window: { startTime: "01:00", endTime: "01:00" } },
    fields: ["spec.window"],
    reason: "FieldValueInvalid",
  },
  {
    kind: "UpgradePlan",
    spec: { version: VERSION, concurrency: { workers: 0 } },
    fields: ["spec.concurrency.workers"],
    reason: "FieldValueInvalid",
  },
  { kind: "UpgradePlan", spec: { version: "1.31" }, fields: ["spec.version"], reason: "FieldValueInvalid" },
  {
    kind: "UpgradePlan",
    spec: { version: VERSION, nodeSelector: { matchExpressions: [{ key: "a", operator: "In" }] } },
    fields: ["spec.nodeSelector.matchExpressions[0]"],
    reason: "FieldValueInvalid",
  },
  {
    kind: "UpgradePlan",
    spec: {
      version: VERSION,
      blockers: [{ name: "two-kinds", query: "up == 0", pods: { selector: {} }, prometheus: { url: "http://p:9090" } }],
    },
    fields: ["spec.blockers[0]"],
    reason: "FieldValueInvalid",
  },
  {
    kind: "CertRotation",
    spec: { blockers: [{ name: "no-prometheus", query: "up == 0" }] },
    fields: ["spec.blockers[0]"],
    reason: "FieldValueInvalid",
  },
  {
    kind: "UpgradePlan",
    spec: { version: VERSION, approval: { tiers: ["workers"] } },
    fields: ["spec.approval.tiers[0]", "spec.approval.tiers"],
    reason: "FieldValueNotSupported",
  },
];
