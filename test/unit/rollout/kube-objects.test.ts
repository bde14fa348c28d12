import { describe, expect, it } from "@jest/globals";
import { observeCertNodes } from "../../../src/controllers/certrotation/observe.ts";
import { etcdNodeStates } from "../../../src/controllers/etcdsnapshotpolicy/nodes.ts";
import { CLAIM_ANNOTATION, encodeClaim, readClaim } from "../../../src/rollout/claim.ts";
import { saveRequestOf } from "../../../src/controllers/etcdsnapshotpolicy/recovered.ts";
import { buildSnapshotSaveArgs } from "../../../src/nodeops/agent-args.ts";
import { buildNodeJob, jobOutcome } from "../../../src/nodeops/job.ts";
import {
  cachedJob,
  cachedNode,
  cachedPod,
  conditionOf,
  isMirrorPod,
  isNodeReady,
  isPodReady,
  kubeletVersionOf,
  transitionMs,
  type NodeObject,
  type PodObject,
} from "../../../src/rollout/kube-objects.ts";
import { dataDirMismatches, NODE_ARGS_ANNOTATION, RKE2_DEFAULT_DATA_DIR } from "../../../src/rke2/data-dir.ts";
import { rolesFromLabels } from "../../../src/rke2/roles.ts";
import {
  buildMirrorPods,
  buildNode,
  buildNodeStatus,
  mirrorPodStatus,
  nodeMetadataPatches,
} from "../../../src/sim/cluster/node-objects.ts";
import { expandTopology, scaleTopology } from "../../../src/sim/cluster/topology.ts";

const VERSION = "v1.31.4+rke2r1";
const NOW = Date.UTC(2026, 0, 1);
const server =
  expandTopology(scaleTopology(1, VERSION))[0] ??
  (() => {
    throw new Error("no node");
  })();

/** A Node as the API server returns it: every writer's part, managedFields, our claim. */
function realisticNode(): NodeObject {
  const node = buildNode(server);
  for (const { patch } of nodeMetadataPatches(server, VERSION)) {
    const { metadata, spec } = patch as { metadata?: { annotations?: Record<string, string> }; spec?: object };
    node.metadata.annotations = { ...node.metadata.annotations, ...metadata?.annotations };
    node.spec = { ...node.spec, ...spec, unschedulable: true };
  }
  const claim = encodeClaim({
    owner: "UpgradePlan/p",
    target: "abc",
    attempts: 1,
    wasUnschedulable: false,
    claimedAt: new Date(NOW).toISOString(),
  });
  node.metadata.annotations = { ...node.metadata.annotations, [CLAIM_ANNOTATION]: claim };
  const managedFields = ["kubelet", "rke2", "flanneld"].map((manager) => ({
    manager,
    operation: "Update",
    fieldsType: "FieldsV1",
    fieldsV1: { "f:metadata": {} },
  }));
  return {
    ...node,
    metadata: { ...node.metadata, resourceVersion: "42", managedFields } as NodeObject["metadata"],
    status: buildNodeStatus(server, VERSION, "ready", NOW, undefined),
  };
}

describe("cachedNode", () => {
  it("keeps everything the rollout, cert rotation and snapshot readers read", () => {
    const full = realisticNode();
    const slim = cachedNode(full);
    expect(slim.metadata.name).toBe(full.metadata.name);
    expect(slim.metadata.resourceVersion).toBe("42");
    expect(slim.metadata.labels).toEqual(full.metadata.labels);
    expect(readClaim(slim.metadata.annotations)).toEqual(readClaim(full.metadata.annotations));
    expect(rolesFromLabels(slim.metadata.labels)).toEqual(rolesFromLabels(full.metadata.labels));
    expect(isNodeReady(slim)).toBe(true);
    expect(transitionMs(conditionOf(slim, "Ready"))).toBe(transitionMs(conditionOf(full, "Ready")));
    expect(kubeletVersionOf(slim)).toBe(VERSION);
    expect(slim.spec).toEqual({ unschedulable: true, ...(server.taints.length > 0 ? { taints: server.taints } : {}) });
    expect(observeCertNodes([slim], undefined, "done")).toEqual(observeCertNodes([full], undefined, "done"));
    expect(etcdNodeStates([slim], new Map())).toEqual(etcdNodeStates([full], new Map()));
    const withDataDir = {
      ...full,
      metadata: {
        ...full.metadata,
        annotations: { ...full.metadata.annotations, [NODE_ARGS_ANNOTATION]: '["server","--data-dir","/opt/rke2"]' },
      },
    };
    const slimWithDataDir = cachedNode(withDataDir);
    expect(dataDirMismatches([slimWithDataDir], RKE2_DEFAULT_DATA_DIR)).toEqual([
      { node: server.name, dataDir: "/opt/rke2" },
    ]);
    // Of the node's arguments, only the data dir is kept.
    expect(slimWithDataDir.metadata.annotations?.[NODE_ARGS_ANNOTATION]).toBe('["--data-dir","/opt/rke2"]');
  });

  it("drops managedFields, images, conditions but Ready and the annotations of other writers: ~1 KB of ~17", () => {
    const full = realisticNode();
    const slim = cachedNode(full);
    expect(slim.metadata).not.toHaveProperty("managedFields");
    // The node's arguments name no data dir, so none of them is kept.
    expect(Object.keys(slim.metadata.annotations ?? {})).toEqual([CLAIM_ANNOTATION]);
    expect(JSON.stringify(slim)).not.toContain("hardened");
    expect(slim.status?.conditions).toEqual([
      { type: "Ready", status: "True", lastTransitionTime: conditionOf(full, "Ready")?.lastTransitionTime },
    ]);
    expect(full.status?.conditions?.length).toBeGreaterThan(1);
    expect(Buffer.byteLength(JSON.stringify(full))).toBeGreaterThan(12_000);
    expect(Buffer.byteLength(JSON.stringify(slim))).toBeLessThan(2_000);
    expect(full.metadata.annotations?.["rke2.io/node-args"]).toBeDefined();
  });

  it("has no annotations when the node carries none of ours", () => {
    expect(cachedNode(buildNode(server)).metadata.annotations).toBeUndefined();
  });
});

describe("cachedPod", () => {
  it("keeps a mirror pod's annotations, node, readiness and container states; drops the spec's containers", () => {
    const [template] = buildMirrorPods(server, "uid-1", VERSION);
    if (!template) throw new Error("no mirror pod");
    const full: PodObject = {
      ...template,
      status: {
        ...mirrorPodStatus(template, 0, true, NOW, NOW),
        containerStatuses: [{ state: { terminated: { exitCode: 1, message: "boom" } } }],
      },
    };
    const slim = cachedPod(full);
    expect(isMirrorPod(slim)).toBe(true);
    expect(isPodReady(slim)).toBe(true);
    expect(transitionMs(conditionOf(slim, "Ready"))).toBe(transitionMs(conditionOf(full, "Ready")));
    expect(slim.spec).toEqual({ nodeName: server.name });
    expect(slim.status?.containerStatuses).toEqual([{ state: { terminated: { exitCode: 1, message: "boom" } } }]);
    expect(slim.metadata.labels).toEqual(full.metadata.labels);
  });
});

describe("cachedJob", () => {
  const owner = { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "EtcdSnapshotPolicy", name: "nightly", uid: "u1" };
  const args = buildSnapshotSaveArgs({ name: "nightly-abc", compress: false });
  const full = buildNodeJob({
    action: "snapshot-save",
    owner,
    node: "s1",
    namespace: "rke2-lifecycle-jobs",
    image: "rancher/rke2-upgrade:v1.31.4-rke2r1",
    args,
    env: [{ name: "NODE_NAME", value: "s1" }],
    identity: "slot-1",
    activeDeadlineSeconds: 900,
  });
  full.metadata = { ...full.metadata, resourceVersion: "7" };
  Object.assign(full.metadata, { managedFields: [{ manager: "kube-controller-manager" }] });
  full.status = { failed: 1, conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded" }] };

  it("keeps metadata, status and the containers' args; drops managedFields and the rest of the spec", () => {
    const slim = cachedJob(full);
    const { managedFields: _dropped, ...metadata } = full.metadata as typeof full.metadata & {
      managedFields?: unknown;
    };
    expect(slim.metadata).toEqual(metadata);
    expect(slim.status).toEqual(full.status);
    expect(saveRequestOf(slim)).toEqual(saveRequestOf(full));
    expect(saveRequestOf(slim)?.name).toBe("nightly-abc");
    expect(jobOutcome(slim, [])).toEqual(jobOutcome(full, []));
    expect(slim.spec).toEqual({
      template: { spec: { containers: [{ args }] } },
    });
    expect(JSON.stringify(slim).length).toBeLessThan(JSON.stringify(full).length / 2);
  });
});
