import { describe, expect, it } from "@jest/globals";
import { parseUpgradePlanSpec, type UpgradePlan, type UpgradePlanSpecInput } from "../../../../src/api/upgradeplan.ts";
import { rolloutPolicy, rolloutRequest, upgradeJob } from "../../../../src/controllers/upgradeplan/desired.ts";
import { needsResolution, TargetResolver } from "../../../../src/controllers/upgradeplan/target.ts";
import { attemptIdentity, jobNameFor } from "../../../../src/rollout/observe.ts";
import { FakeClock } from "../../../../src/runtime/clock.ts";

function plan(spec: UpgradePlanSpecInput, extra: Partial<UpgradePlan> = {}): UpgradePlan {
  return {
    apiVersion: "rke2-lifecycle.io/v1alpha1",
    kind: "UpgradePlan",
    metadata: { name: "v1-31", uid: "uid-1", generation: 2 },
    spec,
    ...extra,
  };
}
function specOf(input: UpgradePlanSpecInput) {
  const parsed = parseUpgradePlanSpec(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
}

describe("upgradeJob", () => {
  it("runs the official image's upgrade step with the tag of the version, pinned and privileged", () => {
    const spec = specOf({ version: "v1.31.4+rke2r1" });
    const job = upgradeJob(
      plan({ version: "v1.31.4+rke2r1" }),
      spec,
      "v1.31.4+rke2r1",
      "agent-1",
      attemptIdentity("v1.31.4+rke2r1", 1),
      "rke2-lifecycle-jobs",
    );
    const podSpec = job.spec.template.spec as {
      nodeName: string;
      hostPID: boolean;
      containers: {
        image: string;
        args: string[];
        command?: string[];
        env: { name: string; value: string }[];
        volumeMounts: { mountPath: string }[];
      }[];
    };
    const [container] = podSpec.containers;
    expect(container?.image).toBe("rancher/rke2-upgrade:v1.31.4-rke2r1");
    expect(container?.command).toBeUndefined();
    expect(container?.args).toEqual(["upgrade"]);
    expect(container?.env).toEqual([
      { name: "SYSTEM_UPGRADE_NODE_NAME", value: "agent-1" },
      { name: "SYSTEM_UPGRADE_PLAN_NAME", value: "v1-31" },
      { name: "SYSTEM_UPGRADE_PLAN_LATEST_VERSION", value: "v1.31.4-rke2r1" },
    ]);
    expect(podSpec).toMatchObject({ nodeName: "agent-1", hostPID: true });
    expect(container?.volumeMounts).toEqual([{ name: "host-root", mountPath: "/host" }]);
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "UpgradePlan",
      name: "v1-31",
      uid: "uid-1",
      controller: true,
    });
    // The engine finds the Job by this name: the builder and the engine must agree.
    expect(job.metadata.name).toBe(
      jobNameFor({
        action: "upgrade",
        owner: { apiVersion: "", kind: "UpgradePlan", name: "v1-31", uid: "" },
        target: "v1.31.4+rke2r1",
      })("agent-1", 1),
    );
    expect(job.spec.ttlSecondsAfterFinished).toBe(900 + 3600);
  });

  it("takes the upgradeImage override and a new name per attempt and target", () => {
    const spec = specOf({ version: "v1.31.4+rke2r1", upgradeImage: "registry.local/rancher/rke2-upgrade" });
    const owner = plan({ version: "v1.31.4+rke2r1" });
    const first = upgradeJob(owner, spec, "v1.31.4+rke2r1", "agent-1", attemptIdentity("v1.31.4+rke2r1", 1), "ns");
    const second = upgradeJob(owner, spec, "v1.31.4+rke2r1", "agent-1", attemptIdentity("v1.31.4+rke2r1", 2), "ns");
    const other = upgradeJob(owner, spec, "v1.31.5+rke2r1", "agent-1", attemptIdentity("v1.31.5+rke2r1", 1), "ns");
    expect((first.spec.template.spec as { containers: { image: string }[] }).containers[0]?.image).toBe(
      "registry.local/rancher/rke2-upgrade:v1.31.4-rke2r1",
    );
    expect(new Set([first.metadata.name, second.metadata.name, other.metadata.name]).size).toBe(3);
  });
});

describe("rolloutPolicy and request", () => {
  it("maps the spec onto the engine's tiers", () => {
    const spec = specOf({
      version: "v1.31.4+rke2r1",
      concurrency: { workers: "20%", controlPlane: 2 },
      healthGate: { timeout: "5m", settle: "10s" },
      failurePolicy: { maxAttemptsPerNode: 3 },
    });
    expect(rolloutPolicy(spec, "v1.31.4+rke2r1")).toMatchObject({
      concurrency: { etcd: 1, "control-plane": 2, worker: "20%" },
      drain: {
        etcd: { enabled: false },
        "control-plane": { enabled: false },
        worker: { enabled: true, timeout: "10m" },
      },
      healthGate: { timeoutMs: 300_000, settleMs: 10_000, kubeletVersion: "v1.31.4+rke2r1" },
      maxAttemptsPerNode: 3,
    });
    const request = rolloutRequest(
      plan({ version: "v1.31.4+rke2r1" }),
      spec,
      "v1.31.4+rke2r1",
      { mayStart: true, retryFailed: false },
      "ns",
    );
    expect(request.completionLabel).toBe("rke2-lifecycle.io/upgradeplan.v1-31");
    expect(
      request.isSatisfied?.({
        apiVersion: "v1",
        kind: "Node",
        metadata: { name: "n" },
        status: { nodeInfo: { kubeletVersion: "v1.31.4+rke2r1" } },
      }),
    ).toBe(true);
  });
});

describe("channel resolution once per generation", () => {
  const channel = "https://update.rke2.io/v1-release/channels/stable";
  it.each<[string, Partial<UpgradePlan>, boolean]>([
    ["never resolved", {}, true],
    ["resolved for this generation", { status: { targetVersion: "v1.31.4+rke2r1", observedGeneration: 2 } }, false],
    ["the spec changed since", { status: { targetVersion: "v1.31.4+rke2r1", observedGeneration: 1 } }, true],
    [
      "the last try failed",
      {
        status: {
          targetVersion: "v1.31.4+rke2r1",
          observedGeneration: 2,
          conditions: [
            {
              type: "Ready",
              status: "False",
              reason: "ChannelUnresolved",
              message: "",
              lastTransitionTime: "2026-01-01T00:00:00Z",
            },
          ],
        },
      },
      true,
    ],
  ])("%s", (_, extra, expected) => {
    expect(needsResolution(plan({ channel }, extra), undefined)).toBe(expected);
  });

  it("asks the channel once per generation and backs off after a failure", async () => {
    const asked: string[] = [];
    let answer: string | Error = new Error("unreachable");
    const resolver = new TargetResolver(
      {
        resolve: (url) => {
          asked.push(url);
          return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
      },
      new FakeClock(),
    );
    const subject = plan({ channel });
    const failed = await resolver.resolve(subject, specOf({ channel }));
    expect(failed).toMatchObject({ target: undefined, error: "unreachable" });
    expect(failed.retryInMs).toBeGreaterThan(0);
    answer = "v1.31.4+rke2r1";
    expect(await resolver.resolve(subject, specOf({ channel }))).toEqual({ target: "v1.31.4+rke2r1" });
    expect(await resolver.resolve(subject, specOf({ channel }))).toEqual({ target: "v1.31.4+rke2r1" });
    expect(asked).toHaveLength(2);
    answer = "v1.31.5+rke2r1";
    expect(
      await resolver.resolve({ ...subject, metadata: { ...subject.metadata, generation: 3 } }, specOf({ channel })),
    ).toEqual({ target: "v1.31.5+rke2r1" });
  });
});
