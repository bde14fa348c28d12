import { describe, expect, it } from "@jest/globals";
import { classifyEvictionError, planDrain } from "../../../src/rollout/drain.ts";
import type { PodObject } from "../../../src/rollout/kube-objects.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import { drainSpec } from "./fixtures.ts";

const NOW = Date.UTC(2026, 0, 1);
function pod(
  name: string,
  extra: {
    owner?: string;
    emptyDir?: boolean;
    mirror?: boolean;
    phase?: string;
    deletedSecondsAgo?: number;
    labels?: Record<string, string>;
  } = {},
): PodObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "apps",
      ...(extra.labels ? { labels: extra.labels } : {}),
      ...(extra.owner
        ? {
            ownerReferences: [
              { apiVersion: "apps/v1", kind: extra.owner, name: `${name}-owner`, uid: "u", controller: true },
            ],
          }
        : {}),
      ...(extra.mirror ? { annotations: { "kubernetes.io/config.mirror": "h" } } : {}),
      ...(extra.deletedSecondsAgo !== undefined
        ? { deletionTimestamp: new Date(NOW - extra.deletedSecondsAgo * 1000).toISOString() }
        : {}),
    },
    spec: { nodeName: "n", ...(extra.emptyDir ? { volumes: [{ name: "tmp", emptyDir: {} }] } : {}) },
    status: { phase: extra.phase ?? "Running" },
  };
}
const names = (pods: PodObject[]): string[] => pods.map((p) => p.metadata.name);

describe("planDrain", () => {
  const pods = [
    pod("web", { owner: "ReplicaSet" }),
    pod("ds", { owner: "DaemonSet" }),
    pod("etcd-n", { mirror: true }),
    pod("scratch", { owner: "ReplicaSet", emptyDir: true }),
  ];

  it("evicts managed pods, leaves DaemonSet and mirror pods", () => {
    const plan = planDrain(pods, drainSpec(true), NOW);
    expect(names(plan.evict)).toEqual(["web", "scratch"]);
    expect(plan).toMatchObject({ blockers: [], done: false });
  });

  it.each<[string, Partial<ReturnType<typeof drainSpec>>, PodObject[], string]>([
    [
      "DaemonSet pods without ignoreDaemonSets",
      { ignoreDaemonSets: false },
      [pod("ds", { owner: "DaemonSet" })],
      "apps/ds is managed by DaemonSet ds-owner (set ignoreDaemonSets to leave it)",
    ],
    [
      "emptyDir without deleteEmptyDirData",
      { deleteEmptyDirData: false },
      [pod("scratch", { owner: "ReplicaSet", emptyDir: true })],
      "apps/scratch uses emptyDir (set deleteEmptyDirData to evict it and lose that data)",
    ],
    ["bare pods without force", {}, [pod("bare")], "apps/bare has no controller (set force to delete it)"],
  ])("blocks on %s and then evicts nothing at all", (_, overrides, blocking, message) => {
    const plan = planDrain([pod("web", { owner: "ReplicaSet" }), ...blocking], drainSpec(true, overrides), NOW);
    expect(plan.blockers).toEqual([message]);
    expect(plan.evict).toEqual([]);
    expect(plan.done).toBe(false);
  });

  it("deletes bare pods with force, and finished pods never block", () => {
    expect(names(planDrain([pod("bare")], drainSpec(true, { force: true }), NOW).evict)).toEqual(["bare"]);
    expect(
      names(
        planDrain(
          [pod("done", { phase: "Succeeded", emptyDir: true })],
          drainSpec(true, { deleteEmptyDirData: false }),
          NOW,
        ).evict,
      ),
    ).toEqual(["done"]);
  });

  it("considers only pods matching podSelector", () => {
    const plan = planDrain(
      [pod("a", { owner: "ReplicaSet", labels: { drain: "yes" } }), pod("bare")],
      drainSpec(true, { podSelector: { matchLabels: { drain: "yes" } } }),
      NOW,
    );
    expect(names(plan.evict)).toEqual(["a"]);
    expect(plan.blockers).toEqual([]);
  });

  it("waits for terminating pods unless they are older than skipWaitForDeleteTimeoutSeconds", () => {
    const terminating = [
      pod("old", { owner: "ReplicaSet", deletedSecondsAgo: 120 }),
      pod("new", { owner: "ReplicaSet", deletedSecondsAgo: 5 }),
    ];
    expect(names(planDrain(terminating, drainSpec(true), NOW).terminating)).toEqual(["old", "new"]);
    const plan = planDrain(terminating, drainSpec(true, { skipWaitForDeleteTimeoutSeconds: 60 }), NOW);
    expect(names(plan.terminating)).toEqual(["new"]);
    expect(
      planDrain([terminating[0] as PodObject], drainSpec(true, { skipWaitForDeleteTimeoutSeconds: 60 }), NOW).done,
    ).toBe(true);
  });

  it("is done when nothing is left to evict or wait for", () => {
    expect(
      planDrain([pod("ds", { owner: "DaemonSet" }), pod("etcd-n", { mirror: true })], drainSpec(true), NOW),
    ).toEqual({ evict: [], terminating: [], blockers: [], done: true });
  });
});

describe("classifyEvictionError", () => {
  const subject = pod("web-1", { owner: "ReplicaSet" });
  it("names the PodDisruptionBudget of a 429 refusal", () => {
    const err = new KubeError("TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
      code: 429,
      causes: [
        { reason: "DisruptionBudget", message: "The disruption budget web needs 2 healthy pods and has 2 currently" },
      ],
    });
    expect(classifyEvictionError(err, subject)).toEqual({
      kind: "budget",
      pdb: "web",
      message:
        "eviction of apps/web-1 refused by PodDisruptionBudget web: " +
        "The disruption budget web needs 2 healthy pods and has 2 currently",
    });
  });
  it("treats API throttling as a plain retry", () => {
    expect(
      classifyEvictionError(new KubeError("TooManyRequests", "too many requests", { code: 429 }), subject).kind,
    ).toBe("retry");
  });
  it("reports two budgets on one pod as a configuration error", () => {
    const err = new KubeError(
      "Retriable",
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      { code: 500 },
    );
    expect(classifyEvictionError(err, subject)).toMatchObject({ kind: "misconfigured" });
  });
  it("takes a vanished pod as evicted", () => {
    expect(classifyEvictionError(new KubeError("NotFound", "gone", { code: 404 }), subject)).toEqual({ kind: "gone" });
  });
});
