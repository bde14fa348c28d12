/**
 * The restore drill's node Job (drill.ts decides it, the node-agent's `restore-drill` runs it).
 * A node Job as every other (pinned, tolerating, the host's `/` at /host to read the snapshot),
 * with three differences: its own network namespace, so the throwaway etcd's loopback ports
 * cannot meet the node's (hostNetwork and hostPID off); an emptyDir as the scratch folder, so
 * nothing it writes lands on a host path; and a size limit on that emptyDir.
 */
import { buildRestoreDrillArgs, DRILL_DEFAULT_PORTS } from "../../nodeops/agent-args.ts";
import { NODE_NAME_ENV } from "../../nodeops/agent-args.ts";
import { buildNodeJob, type Job } from "../../nodeops/job.ts";
import type { JobOwner, JobsConfig } from "./desired.ts";
import type { DrillStart } from "./drill.ts";
import { RUN_ANNOTATION } from "./runs.ts";

export const DRILL_SCRATCH_DIR = "/scratch";
/** etcd's largest supported database (8 GiB) twice: the unzipped snapshot and the restored member. */
const SCRATCH_LIMIT = "17Gi";
const DRILL_DEADLINE_SECONDS = 3600;
const DRILL_TTL_SECONDS = 24 * 3600;

export function drillJob(owner: JobOwner, start: DrillStart, config: JobsConfig): Job {
  const job = buildNodeJob({
    action: "restore-drill",
    owner,
    node: start.node,
    namespace: config.namespace,
    image: config.image,
    args: buildRestoreDrillArgs({
      snapshot: start.snapshotPath,
      scratch: DRILL_SCRATCH_DIR,
      clientPort: DRILL_DEFAULT_PORTS.client,
      peerPort: DRILL_DEFAULT_PORTS.peer,
    }),
    env: [{ name: NODE_NAME_ENV, value: start.node }],
    identity: start.identity,
    activeDeadlineSeconds: DRILL_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: DRILL_TTL_SECONDS,
  });
  job.metadata.annotations = { ...job.metadata.annotations, [RUN_ANNOTATION]: start.identity };
  const pod = job.spec.template.spec as {
    hostNetwork?: boolean;
    hostPID?: boolean;
    dnsPolicy?: string;
    containers?: { volumeMounts?: unknown[] }[];
    volumes?: unknown[];
  };
  pod.hostNetwork = false;
  pod.hostPID = false;
  pod.dnsPolicy = "ClusterFirst";
  pod.volumes = [...(pod.volumes ?? []), { name: "scratch", emptyDir: { sizeLimit: SCRATCH_LIMIT } }];
  for (const container of pod.containers ?? []) {
    container.volumeMounts = [...(container.volumeMounts ?? []), { name: "scratch", mountPath: DRILL_SCRATCH_DIR }];
  }
  return job;
}
