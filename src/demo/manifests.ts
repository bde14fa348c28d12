/**
 * What the demo applies to the simulated cluster: the shipped examples (deploy/examples/), adjusted for a
 * cluster with no S3 and compressed time (a short settle, no maintenance window). One server gets a
 * certificate close to expiry first, so the CertRotation has something to rotate.
 */
import type { KubeObject } from "../runtime/kube/types.ts";

export const DEMO_TARGET_VERSION = "v1.31.4+rke2r1";
export const DEMO_POLICY = "every-minute";
export const DEMO_PLAN = "to-v1-31";
export const DEMO_ROTATION = "default";

/** The certificate the demo moves to expire in DEMO_EXPIRING.days (inside the rotation's renewBefore). */
export const DEMO_EXPIRING = {
  node: "server-1",
  file: "/var/lib/rancher/rke2/server/tls/client-admin.crt",
  days: 20,
} as const;

const API_VERSION = "rke2-lifecycle.io/v1alpha1";

export function demoManifests(): KubeObject[] {
  return [
    {
      apiVersion: API_VERSION,
      kind: "EtcdSnapshotPolicy",
      metadata: { name: DEMO_POLICY },
      spec: { schedule: "* * * * *", retention: { count: 3 } },
    } as KubeObject,
    {
      apiVersion: API_VERSION,
      kind: "UpgradePlan",
      metadata: { name: DEMO_PLAN },
      spec: {
        version: DEMO_TARGET_VERSION,
        snapshot: { policyRef: DEMO_POLICY },
        concurrency: { workers: 2 },
        // The demo's agents run a bare pod and an emptyDir pod: like kubectl drain --force, delete them.
        drain: { workers: { enabled: true, force: true } },
        healthGate: { settle: "1s", timeout: "2m" },
      },
    } as KubeObject,
    {
      apiVersion: API_VERSION,
      kind: "CertRotation",
      metadata: { name: DEMO_ROTATION },
      spec: { renewBefore: "720h", healthGate: { settle: "1s", timeout: "2m" } },
    } as KubeObject,
  ];
}
