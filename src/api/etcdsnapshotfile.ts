import { z } from "zod";
import type { KubeObject, ResourceType } from "../runtime/kube/types.ts";
import { renderCrd, type CrdSource, type CustomResourceDefinition } from "./crd.ts";
import { boundedString, timestamp } from "./fields.ts";

/**
 * RKE2's own record of each etcd snapshot (k3s.cattle.io/v1, cluster-scoped). RKE2 installs this
 * CRD on real clusters; the simulated cluster installs `etcdSnapshotFileCrd`. It is NOT part of
 * crds/, which holds only what our chart installs.
 */
export const etcdSnapshotFileResource: ResourceType = {
  apiVersion: "k3s.cattle.io/v1",
  kind: "ETCDSnapshotFile",
  plural: "etcdsnapshotfiles",
  namespaced: false,
};

/** Label RKE2 puts on a record: the node whose disk holds a local snapshot. */
export const SNAPSHOT_STORAGE_NODE_LABEL = "etcd.rke2.cattle.io/snapshot-storage-node";

const QUANTITY_PATTERN =
  "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))" +
  "(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

export const EtcdSnapshotFileSpecSchema = z
  .object({
    snapshotName: boundedString("Name of the snapshot, without node and timestamp suffix handling."),
    nodeName: boundedString("Node that took the snapshot."),
    location: boundedString("file:// path or s3:// URL of the snapshot.", 2048),
    metadata: z.record(z.string(), z.string()).optional().describe("Snapshot metadata, e.g. the policy that made it."),
    s3: z
      .object({
        endpoint: boundedString("S3 endpoint.").optional(),
        endpointCA: boundedString("Path of the endpoint CA bundle on the node.", 1024).optional(),
        skipSSLVerify: z.boolean().optional().describe("TLS verification disabled."),
        bucket: boundedString("Bucket.").optional(),
        region: boundedString("Region.").optional(),
        prefix: boundedString("Folder (key prefix).", 1024).optional(),
        insecure: z.boolean().optional().describe("Plain HTTP."),
      })
      .optional()
      .describe("Where in S3 the snapshot is stored, for S3 snapshots."),
  })
  .describe("What the snapshot is and where it lives.");

export const EtcdSnapshotFileStatusSchema = z
  .object({
    size: z
      .union([z.int().min(0), z.string().regex(new RegExp(QUANTITY_PATTERN))])
      .optional()
      .meta({
        description: "Size of the snapshot file (a resource.Quantity); absent when it failed.",
        "x-kubernetes-int-or-string": true,
      }),
    creationTime: timestamp("When etcd took the snapshot.").optional(),
    readyToUse: z.boolean().optional().describe("The snapshot is available to be restored."),
    error: z
      .object({
        time: timestamp("When the error happened.").optional(),
        message: boundedString("What went wrong.", 4096).optional(),
      })
      .optional()
      .describe("The last error while taking the snapshot."),
  })
  .describe("Observed state of the snapshot.");

export type EtcdSnapshotFileSpec = z.infer<typeof EtcdSnapshotFileSpecSchema>;
export type EtcdSnapshotFileStatus = z.infer<typeof EtcdSnapshotFileStatusSchema>;

export interface EtcdSnapshotFile extends KubeObject {
  spec: EtcdSnapshotFileSpec;
  status?: EtcdSnapshotFileStatus;
}

const SUFFIX_FACTORS: Record<string, number> = {
  "": 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** Bytes in a snapshot's `status.size` (a Quantity such as `12345` or `16Mi`); `undefined` if unreadable. */
export function snapshotSizeBytes(size: number | string | undefined): number | undefined {
  if (typeof size === "number") return size;
  if (size === undefined) return undefined;
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(size);
  if (match === null) return undefined;
  const factor = SUFFIX_FACTORS[match[2] ?? ""];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

const etcdSnapshotFileCrdSource: CrdSource = {
  resource: etcdSnapshotFileResource,
  singular: "etcdsnapshotfile",
  shortNames: [],
  categories: [],
  description: "ETCDSnapshotFile is RKE2's record of one etcd snapshot, local or in S3.",
  spec: EtcdSnapshotFileSpecSchema,
  specRequired: true,
  status: EtcdSnapshotFileStatusSchema,
  printerColumns: [
    { name: "SnapshotName", type: "string", jsonPath: ".spec.snapshotName" },
    { name: "Node", type: "string", jsonPath: ".spec.nodeName" },
    { name: "Location", type: "string", jsonPath: ".spec.location" },
    { name: "Size", type: "string", jsonPath: ".status.size" },
    { name: "CreationTime", type: "date", jsonPath: ".status.creationTime" },
  ],
};

export const etcdSnapshotFileCrd: CustomResourceDefinition = renderCrd(etcdSnapshotFileCrdSource);
