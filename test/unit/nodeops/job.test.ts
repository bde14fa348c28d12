import { describe, expect, it } from "@jest/globals";
import { buildNodeJob, jobOutcome, nodeJobName, type Job } from "../../../src/nodeops/job.ts";

const owner = { apiVersion: "rke2-lifecycle.io/v1alpha1", kind: "UpgradePlan", name: "v1-31-4", uid: "uid-1" };

describe("nodeJobName", () => {
  it("is deterministic and distinct per identity", () => {
    expect(nodeJobName("upgrade", "v1-31-4", "s1", "v1.31.4+rke2r1")).toBe(
      nodeJobName("upgrade", "v1-31-4", "s1", "v1.31.4+rke2r1"),
    );
    expect(nodeJobName("upgrade", "v1-31-4", "s1", "v1.31.4+rke2r1")).not.toBe(
      nodeJobName("upgrade", "v1-31-4", "s1", "v1.31.5+rke2r1"),
    );
    expect(nodeJobName("upgrade", "v1-31-4", "s1", "x")).toMatch(/^upgrade-v1-31-4-s1-[0-9a-f]{10}$/);
  });

  it.each([
    ["a".repeat(63), "b".repeat(63)],
    ["plan", "ip-10-0-0-1.eu-central-1.compute.internal-with-a-very-long-suffix"],
    ["policy-with-a-rather-long-name-for-the-snapshot", "n1"],
  ])("stays a valid DNS label for owner %s and node %s", (ownerName, node) => {
    const name = nodeJobName("snapshot-save", ownerName, node, "slot-1");
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(nodeJobName("snapshot-save", ownerName, node, "slot-2")).not.toBe(name);
  });
});

describe("buildNodeJob", () => {
  const job = buildNodeJob({
    action: "upgrade",
    owner,
    node: "s1",
    namespace: "rke2-lifecycle-jobs",
    image: "rancher/rke2-upgrade:v1.31.4-rke2r1",
    args: ["upgrade"],
    identity: "v1.31.4+rke2r1",
    activeDeadlineSeconds: 900,
    template: {
      tolerations: [{ key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
      priorityClassName: "system-node-critical",
    },
  });
  const podSpec = job.spec.template.spec;

  it("pins the pod to its node with host access and no retries of its own", () => {
    expect(podSpec.nodeName).toBe("s1");
    expect(podSpec.hostPID).toBe(true);
    expect(podSpec.hostNetwork).toBe(true);
    expect(podSpec.restartPolicy).toBe("Never");
    expect(podSpec.automountServiceAccountToken).toBe(false);
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(900);
    expect(podSpec.volumes).toEqual([{ name: "host-root", hostPath: { path: "/", type: "Directory" } }]);
    expect(podSpec.tolerations).toEqual([
      { operator: "Exists" },
      { key: "dedicated", operator: "Equal", value: "gpu", effect: "NoSchedule" },
    ]);
    expect(podSpec.priorityClassName).toBe("system-node-critical");
  });

  it("labels Job and pod alike and is owned by the custom resource", () => {
    expect(job.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "rke2-lifecycle-operator",
      "rke2-lifecycle.io/action": "upgrade",
      "rke2-lifecycle.io/owner-kind": "upgradeplan",
      "rke2-lifecycle.io/owner": "v1-31-4",
      "rke2-lifecycle.io/node": "s1",
    });
    expect(job.spec.template.metadata?.labels).toEqual(job.metadata.labels);
    expect(job.metadata.ownerReferences).toEqual([{ ...owner, controller: true, blockOwnerDeletion: true }]);
  });
});

describe("jobOutcome", () => {
  const base: Job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: { spec: {} } } };
  const pod = (message: string) => ({
    status: { containerStatuses: [{ state: { terminated: { message, exitCode: 0 } } }] },
  });
  it.each([
    [base, [], { state: "Running" }],
    [
      { ...base, status: { conditions: [{ type: "Complete", status: "True" }] } },
      [pod("{}")],
      { state: "Succeeded", message: "{}" },
    ],
    [
      {
        ...base,
        status: { conditions: [{ type: "Failed", status: "True", reason: "DeadlineExceeded", message: "too slow" }] },
      },
      [],
      { state: "Failed", reason: "DeadlineExceeded", message: "too slow" },
    ],
    [
      { ...base, status: { conditions: [{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }] } },
      [pod("boom")],
      { state: "Failed", reason: "BackoffLimitExceeded", message: "boom" },
    ],
  ])("case %#", (job, pods, expected) => {
    expect(jobOutcome(job, pods)).toEqual(expected);
  });
});
