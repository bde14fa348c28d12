/** The examples users will apply, as the kind docs (docs/etcd-snapshots.md, upgrades.md, certificates.md) show them. */
export const API_MD_EXAMPLES = `
apiVersion: rke2-lifecycle.io/v1alpha1
kind: EtcdSnapshotPolicy
metadata: {name: every-6h}
spec:
  schedule: "0 */6 * * *"
  retention: {count: 28, maxAge: 168h}
  s3: {bucket: cluster-backups, folder: prod-a, credentialsSecret: etcd-s3}
---
apiVersion: rke2-lifecycle.io/v1alpha1
kind: UpgradePlan
metadata: {name: v1-31-4}
spec:
  version: v1.31.4+rke2r1
  snapshot: {policyRef: every-6h}
  concurrency: {workers: "20%"}
  window: {days: [sat, sun], startTime: "01:00", endTime: "06:00", timeZone: Europe/Berlin}
---
apiVersion: rke2-lifecycle.io/v1alpha1
kind: CertRotation
metadata: {name: default}
spec:
  renewBefore: 720h
`;
