/**
 * The restore drill's part of a policy reconcile (drill.ts decides): its Job is created before the
 * status that records its slot is written (a crash in between finds the Job again), its status,
 * processed Jobs, events and requeue join the policy's decision, and its metrics are set.
 */
import type { EtcdSnapshotPolicy } from "../../api/etcdsnapshotpolicy.ts";
import { ACTION_LABEL, jobOutcome, type Job } from "../../nodeops/job.ts";
import type { Logger } from "../../observability/logger.ts";
import type { Decision } from "./decide.ts";
import type { JobOwner } from "./desired.ts";
import { decideDrill } from "./drill.ts";
import { drillJob } from "./drill-job.ts";
import type { EtcdNodeState } from "./nodes.ts";
import type { RecordedSnapshot } from "./records.ts";
import type { PolicyReconcilerDeps } from "./reconciler.ts";
import { observeRuns, type JobPod } from "./runs.ts";

export interface DrillStepInput {
  policy: EtcdSnapshotPolicy;
  owner: JobOwner;
  now: number;
  /** The policy's decision; the drill's part is merged into it (nothing without a valid spec). */
  decision: Decision;
  /** This policy's restore-drill Jobs. */
  drillJobs: readonly Job[];
  records: readonly RecordedSnapshot[];
  members: readonly EtcdNodeState[];
  busyNodes: ReadonlySet<string>;
  podsOf: (job: Job) => JobPod[];
  createJob: (job: Job) => Promise<void>;
}

export async function addRestoreDrill(deps: PolicyReconcilerDeps, input: DrillStepInput, log: Logger): Promise<void> {
  const { decision, policy, now, podsOf } = input;
  const spec = decision.spec;
  if (spec === undefined) return;
  const isDrill = (job: Job): boolean => job.metadata.labels?.[ACTION_LABEL] === "restore-drill";
  const drill = decideDrill({
    policyName: policy.metadata.name,
    generation: policy.metadata.generation ?? 0,
    spec,
    creationTime: Date.parse(policy.metadata.creationTimestamp ?? "") || now,
    status: decision.status,
    now,
    runs: observeRuns(input.drillJobs, podsOf),
    anyDrillRunning: deps.caches.jobs
      .list()
      .some((job) => isDrill(job) && jobOutcome(job, podsOf(job)).state === "Running"),
    records: input.records,
    members: input.members,
    busyNodes: input.busyNodes,
  });
  if (drill.start) {
    const jobsConfig = { namespace: deps.config.jobsNamespace, image: deps.config.nodeAgentImage };
    await input.createJob(drillJob(input.owner, drill.start, jobsConfig));
    log.info({ run: drill.start.identity, node: drill.start.node }, "restore drill started");
  }
  const requeues = [decision.requeueAfterMs, drill.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
  decision.status = drill.status;
  decision.markProcessed.push(...drill.markProcessed);
  decision.events.push(...drill.events);
  decision.requeueAfterMs = requeues.length > 0 ? Math.min(...requeues) : undefined;

  const labels = { policy: policy.metadata.name };
  deps.metrics.restoreDrillFailures.inc(labels, drill.events.filter((e) => e.reason === "RestoreDrillFailed").length);
  const lastSuccess = drill.status.lastSuccessfulRestoreDrillTime;
  // Without a drill there is nothing to be overdue (RKE2EtcdRestoreDrillStale reads this gauge).
  if (!spec.restoreDrill) deps.metrics.restoreDrillLastSuccess.remove(labels);
  else if (lastSuccess) deps.metrics.restoreDrillLastSuccess.set(labels, Date.parse(lastSuccess) / 1000);
}
