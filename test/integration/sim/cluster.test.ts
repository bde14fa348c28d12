import { describe, expect, it } from "@jest/globals";
import { waitFor, withSim } from "../../support/sim-harness.ts";
import { JOBS, NODES, PODS, isNodeReady, type Job, type Node, type Pod } from "../../../src/sim/cluster/kinds.ts";
import { etcdSnapshotFileResource, type EtcdSnapshotFile } from "../../../src/api/etcdsnapshotfile.ts";
import { buildSnapshotSaveArgs } from "../../../src/nodeops/agent-args.ts";
import { decodeResult } from "../../../src/nodeops/results.ts";
import { isKubeError } from "../../../src/runtime/kube/errors.ts";

const sim = withSim({ timeScale: 0.01 });

function nodeJob(name: string, node: string, action: string, container: { image: string; args?: string[] }): Job {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: "rke2-lifecycle-jobs", labels: { "rke2-lifecycle.io/action": action } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: { "rke2-lifecycle.io/action": action } },
        spec: {
          nodeName: node,
          restartPolicy: "Never",
          tolerations: [{ operator: "Exists" }],
          containers: [{ name: "main", ...container }],
        },
      },
    },
  };
}

async function jobFinished(name: string): Promise<Job | undefined> {
  const job = await sim().port.get<Job>(JOBS, name, "rke2-lifecycle-jobs");
  return job?.status?.conditions?.some((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True")
    ? job
    : undefined;
}

describe("simulated RKE2 cluster", () => {
  it("comes up with 7 Ready nodes and the servers' mirror pods", async () => {
    const nodes = await waitFor(
      async () => {
        const list = await sim().port.list<Node>(NODES);
        return list.items.length === 7 && list.items.every(isNodeReady) ? list.items : undefined;
      },
      { what: "7 Ready nodes" },
    );
    expect(nodes.map((n) => n.status?.nodeInfo?.kubeletVersion)).toEqual(Array(7).fill("v1.30.6+rke2r1"));
    const mirror = await sim().port.list<Pod>(PODS, { namespace: "kube-system" });
    expect(mirror.items.map((p) => p.metadata.name).sort()).toContain("etcd-server-1");
    expect(mirror.items).toHaveLength(1 + 2 * 4 + 3);
  });

  it("an upgrade Job takes a node NotReady and back with the new version, and completes", async () => {
    await sim().port.create(
      JOBS,
      nodeJob("upgrade-agent-1", "agent-1", "upgrade", { image: "rancher/rke2-upgrade:v1.31.2-rke2r1" }),
    );
    const job = await waitFor(() => jobFinished("upgrade-agent-1"), { what: "upgrade Job to finish" });
    // The sim's Job controller writes what v1.31+ writes; v1.23's (the real lane) only Complete.
    const types = job.status?.conditions?.map((c) => c.type) ?? [];
    expect([["SuccessCriteriaMet", "Complete"], ["Complete"]]).toContainEqual(types);
    // The Job ends while rke2 restarts: the node is out before it is back.
    await waitFor(
      async () => {
        const node = await sim().port.get<Node>(NODES, "agent-1");
        return node && !isNodeReady(node);
      },
      { what: "agent-1 NotReady", timeoutMs: 2000, intervalMs: 10 },
    );
    const upgraded = await waitFor(
      async () => {
        const node = await sim().port.get<Node>(NODES, "agent-1");
        return node && isNodeReady(node) && node.status?.nodeInfo?.kubeletVersion === "v1.31.2+rke2r1"
          ? node
          : undefined;
      },
      { what: "agent-1 Ready at v1.31.2" },
    );
    expect(upgraded.metadata.name).toBe("agent-1");
  });

  it("a snapshot-save Job creates ETCDSnapshotFile records and a parsable termination message", async () => {
    const args = buildSnapshotSaveArgs({ name: "adhoc", compress: true, s3: { bucket: "backups", folder: "prod" } });
    await sim().port.create(
      JOBS,
      nodeJob("save-server-1", "server-1", "snapshot-save", { image: "rke2-lifecycle:dev", args }),
    );
    await waitFor(() => jobFinished("save-server-1"), { what: "snapshot Job to finish" });
    const pods = await sim().port.list<Pod>(PODS, {
      namespace: "rke2-lifecycle-jobs",
      labelSelector: "job-name=save-server-1",
    });
    const decoded = decodeResult(pods.items[0]?.status?.containerStatuses?.[0]?.state.terminated?.message);
    expect(
      decoded.ok && decoded.result.ok && decoded.result.action === "snapshot-save"
        ? decoded.result.snapshots.map((s) => s.location.split(":")[0])
        : [],
    ).toEqual(["file", "s3"]);
    const records = await sim().port.list<EtcdSnapshotFile>(etcdSnapshotFileResource);
    expect(records.items.filter((r) => r.spec.nodeName === "server-1").map((r) => r.status?.readyToUse)).toEqual([
      true,
      true,
    ]);
  });

  it("evicting a pod behind a PDB with no disruptions allowed is refused with 429", async () => {
    const pods = await waitFor(
      async () => {
        const list = await sim().port.list<Pod>(PODS, { namespace: "demo-apps", labelSelector: "app=web" });
        return list.items.length === 3 &&
          list.items.every((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
          ? list.items
          : undefined;
      },
      { what: "3 ready web pods" },
    );
    await sim().port.evict(pods[0]!.metadata.name, "demo-apps");
    const refused = await sim()
      .port.evict(pods[1]!.metadata.name, "demo-apps")
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isKubeError(refused, "TooManyRequests")).toBe(true);
    // The Deployment brings the evicted pod back elsewhere.
    await waitFor(
      async () => {
        const list = await sim().port.list<Pod>(PODS, { namespace: "demo-apps", labelSelector: "app=web" });
        return list.items.filter((p) => !p.metadata.deletionTimestamp).length === 3;
      },
      { what: "web back to 3 pods" },
    );
  });
});
