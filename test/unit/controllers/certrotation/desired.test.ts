import { describe, expect, it } from "@jest/globals";
import { parseCertRotationSpec, type CertRotation } from "../../../../src/api/certrotation.ts";
import { certRotateJob, rolloutPolicy, rolloutRequest } from "../../../../src/controllers/certrotation/desired.ts";
import { BEFORE_ANNOTATION, decodeBefore } from "../../../../src/controllers/certrotation/verify.ts";
import { parseCertRotateArgs } from "../../../../src/nodeops/agent-args.ts";

const cr: CertRotation = {
  apiVersion: "rke2-lifecycle.io/v1alpha1",
  kind: "CertRotation",
  metadata: { name: "default", uid: "uid-1" },
};
function specOf(input: object) {
  const parsed = parseCertRotationSpec(input);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.spec;
}

describe("what a CertRotation asks of the rollout engine", () => {
  it("servers one at a time, agents per concurrency.agents, no drain, the health gate without a version", () => {
    const policy = rolloutPolicy(
      specOf({ concurrency: { agents: "25%" }, healthGate: { timeout: "5m", settle: "10s" } }),
    );
    expect(policy.concurrency).toEqual({ etcd: 1, "control-plane": 1, worker: "25%" });
    expect(Object.values(policy.drain).every((d) => !d.enabled)).toBe(true);
    expect(policy.healthGate).toEqual({ timeoutMs: 300_000, settleMs: 10_000 });
    expect(policy.maxAttemptsPerNode).toBe(2);
  });

  it("runs the node-agent's cert-rotate with the chosen services and records what it is to renew", () => {
    const spec = specOf({
      services: ["etcd", "kubelet"],
      jobTemplate: { image: "registry.local/rke2-lifecycle:1", priorityClassName: "system-node-critical" },
    });
    const job = certRotateJob(
      { cr, spec, namespace: "rke2-lifecycle-jobs", image: "ghcr.io/x:1" },
      "server-1",
      "abc#1",
      { file: "server/tls/client-admin.crt", notAfterMs: Date.parse("2026-03-21T00:00:00Z") },
    );
    const pod = job.spec.template.spec as {
      nodeName: string;
      priorityClassName: string;
      containers: { image: string; args: string[]; env: { name: string; value: string }[] }[];
    };
    const container = pod.containers[0];
    expect(pod.nodeName).toBe("server-1");
    expect(pod.priorityClassName).toBe("system-node-critical");
    expect(container?.image).toBe("registry.local/rke2-lifecycle:1");
    expect(parseCertRotateArgs(container?.args ?? [])).toEqual({
      ok: true,
      options: { services: ["etcd", "kubelet"] },
    });
    expect(container?.env).toContainEqual({ name: "NODE_NAME", value: "server-1" });
    expect(job.metadata.labels).toMatchObject({
      "rke2-lifecycle.io/action": "cert-rotate",
      "rke2-lifecycle.io/owner-kind": "certrotation",
      "rke2-lifecycle.io/owner": "default",
    });
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "CertRotation",
      name: "default",
      uid: "uid-1",
      controller: true,
    });
    expect(job.spec.activeDeadlineSeconds).toBe(1200);
    expect(job.spec.ttlSecondsAfterFinished).toBe(900 + 3600);
    expect(decodeBefore(job.metadata.annotations?.[BEFORE_ANNOTATION])).toEqual({
      file: "server/tls/client-admin.crt",
      notAfterMs: Date.parse("2026-03-21T00:00:00Z"),
    });
  });

  it("names the Job as the engine expects and records no expectation without a report", () => {
    const spec = specOf({});
    const request = rolloutRequest({
      ctx: { cr, spec, namespace: "jobs", image: "img" },
      target: "renew",
      mayStart: true,
      isSatisfied: () => false,
      beforeOf: () => undefined,
    });
    expect(request).toMatchObject({
      action: "cert-rotate",
      target: "renew",
      completionLabel: "rke2-lifecycle.io/certrotation.default",
      retryFailed: false,
      maxStatusNodes: 100,
    });
    const job = request.buildJob("agent-1", "abc#1");
    expect(job.metadata.name).toMatch(/^cert-rotate-default-agent-1-[0-9a-f]{10}$/);
    expect(job.metadata.annotations?.[BEFORE_ANNOTATION]).toBeUndefined();
  });
});
