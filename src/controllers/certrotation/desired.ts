/**
 * What a CertRotation asks of the rollout engine, pure: the policy (servers one at a time in tier
 * order, agents `concurrency.agents` at once, the health gate without a version check, no drain:
 * a restart of rke2 leaves the pods running) and the `cert-rotate` node Job of the operator's
 * node-agent.
 */
import {
  MAX_STATUS_NODES,
  certRotationResource,
  type CertRotation,
  type CertRotationSpec,
} from "../../api/certrotation.ts";
import { drainSpec } from "../../api/common.ts";
import { durationToMs } from "../../api/duration.ts";
import { buildCertRotateArgs } from "../../nodeops/agent-args.ts";
import { NODE_NAME_ENV } from "../../nodeops/agent-args.ts";
import { buildNodeJob, type Job } from "../../nodeops/job.ts";
import { completionLabelKey } from "../../rollout/claim.ts";
import type { NodeObject } from "../../rollout/kube-objects.ts";
import type { RolloutRequest } from "../../rollout/observe.ts";
import type { RolloutGates, RolloutOwner, RolloutPolicy } from "../../rollout/types.ts";
import { BEFORE_ANNOTATION, encodeBefore, type BeforeRotation } from "./verify.ts";

/** Stop, rotate, and up to 10 minutes for rke2 to write the renewed certificates, with room. */
export const CERT_ROTATE_JOB_DEADLINE_SECONDS = 1200;
/** A failed attempt is retried once; then the node is marked failed and the rollout halts. */
export const MAX_ATTEMPTS_PER_NODE = 2;

const NO_DRAIN = drainSpec(false, "CertRotation never drains").parse({});

export function rolloutPolicy(spec: CertRotationSpec): RolloutPolicy {
  return {
    concurrency: { etcd: 1, "control-plane": 1, worker: spec.concurrency.agents },
    drain: { etcd: NO_DRAIN, "control-plane": NO_DRAIN, worker: NO_DRAIN },
    healthGate: { timeoutMs: healthTimeoutMs(spec), settleMs: durationToMs(spec.healthGate.settle) ?? 0 },
    maxAttemptsPerNode: MAX_ATTEMPTS_PER_NODE,
  };
}

export function healthTimeoutMs(spec: CertRotationSpec): number {
  return durationToMs(spec.healthGate.timeout) ?? 0;
}

export function ownerOf(cr: CertRotation): RolloutOwner {
  return {
    apiVersion: certRotationResource.apiVersion,
    kind: certRotationResource.kind,
    name: cr.metadata.name,
    uid: cr.metadata.uid ?? "",
  };
}

export function rotatedServices(spec: CertRotationSpec): string[] {
  return [...(spec.services ?? [])];
}

export interface JobContext {
  cr: CertRotation;
  spec: CertRotationSpec;
  namespace: string;
  image: string;
  /** RKE2's data dir when it is not the default (the operator's --rke2-data-dir). */
  dataDir?: string | undefined;
}

export function certRotateJob(
  ctx: JobContext,
  node: string,
  identity: string,
  before: BeforeRotation | undefined,
): Job {
  const job = buildNodeJob({
    action: "cert-rotate",
    owner: ownerOf(ctx.cr),
    node,
    namespace: ctx.namespace,
    image: ctx.image,
    args: buildCertRotateArgs({
      services: rotatedServices(ctx.spec),
      ...(ctx.dataDir !== undefined ? { dataDir: ctx.dataDir } : {}),
    }),
    env: [{ name: NODE_NAME_ENV, value: node }],
    identity,
    ...(ctx.spec.jobTemplate ? { template: ctx.spec.jobTemplate } : {}),
    activeDeadlineSeconds: CERT_ROTATE_JOB_DEADLINE_SECONDS,
    // The finished Job must outlive the inventory check: it holds what is being verified.
    ttlSecondsAfterFinished: Math.ceil(healthTimeoutMs(ctx.spec) / 1000) + 3600,
  });
  if (before) job.metadata.annotations = { ...job.metadata.annotations, [BEFORE_ANNOTATION]: encodeBefore(before) };
  return job;
}

export interface RequestInput {
  ctx: JobContext;
  target: string;
  mayStart: boolean;
  /** Nodes that need no rotation for this target (labelled done without being touched). */
  isSatisfied: (node: NodeObject) => boolean;
  /** What the inventory shows now, recorded on the Job for the check after the rotation. */
  beforeOf: (node: string) => BeforeRotation | undefined;
  /** The CertRotation is being deleted: wind down (rollout/types.ts RolloutInput.releasing). */
  releasing?: boolean;
  /** Nodes never to rotate (their RKE2 data dir is not the one the inventory reads). */
  excludedNodes?: ReadonlySet<string>;
  /** Approval, blockers, tier soak (rollout/tier-gates.ts). */
  gates?: RolloutGates;
}

export function completionLabel(cr: CertRotation): string {
  return completionLabelKey(certRotationResource.kind, cr.metadata.name);
}

export function rolloutRequest(input: RequestInput): RolloutRequest {
  const { ctx } = input;
  return {
    owner: ownerOf(ctx.cr),
    action: "cert-rotate",
    target: input.target,
    completionLabel: completionLabel(ctx.cr),
    nodeSelector: ctx.spec.nodeSelector,
    policy: rolloutPolicy(ctx.spec),
    mayStart: input.mayStart,
    releasing: input.releasing ?? false,
    // Failed nodes are retried by changing spec.trigger (a new target), never silently.
    retryFailed: false,
    buildJob: (node, identity) => certRotateJob(ctx, node, identity, input.beforeOf(node)),
    isSatisfied: input.isSatisfied,
    ...(input.excludedNodes ? { excludedNodes: input.excludedNodes } : {}),
    maxStatusNodes: MAX_STATUS_NODES,
    gates: input.gates,
  };
}
