/**
 * The pre-upgrade snapshot between the two controllers that share it. The UpgradePlan controller
 * decides when to take it, how long to wait and whether it counts (upgradeplan/pre-upgrade.ts);
 * the EtcdSnapshotPolicy controller's part knows what a snapshot of a policy is: its storage and
 * S3 settings, its Job and name, and how a copy is verified (etcdsnapshotpolicy/pre-upgrade.ts).
 * controllers/index.ts hands the second to the first; the kinds never import each other.
 */
import type { ManagedInformer } from "../runtime/controller-module.ts";

export interface PreUpgradeRequest {
  /** The policy whose storage settings to use; undefined: a local snapshot with the defaults. */
  policyName: string | undefined;
  planName: string;
  planUid: string;
  targetVersion: string;
  /** Each attempt is its own Job (a retry after "Failed" is the next attempt). */
  attempt: number;
}

export interface SnapshotRef {
  name: string;
  /** Kubernetes time (RFC 3339, seconds). */
  takenAt: string;
}

/** The policy as the snapshot needs it; without a policy, always usable, with no storage of its own to check. */
export type PolicyView =
  | { usable: false; message: string }
  | {
      usable: true;
      /** The policy's newest verified snapshot (status.lastSuccessfulSnapshot), which may stand in. */
      lastSnapshot?: SnapshotRef;
      /** The policy's own storage check found the storage down (no request is sent then). */
      storageUnavailable?: string;
    };

/** This attempt's snapshot as its Job, RKE2's records and (for S3 copies) the bucket show it. */
export type RunView =
  | { state: "Running"; nodes: string[] }
  | { state: "Verifying"; message: string; deadline: number }
  | { state: "Failed"; message: string }
  | { state: "Succeeded"; snapshot: SnapshotRef | undefined; locations: string[] }
  | { state: "Unreadable"; message: string };

export interface PreUpgradeObservation {
  policy: PolicyView;
  /** Undefined while the attempt has no Job (or the policy cannot be used). */
  run: RunView | undefined;
  /** The etcd member a new Job would run on, or why none may take a snapshot now. */
  node: { ok: true; name: string } | { ok: false; reason: string };
}

/** What starting the Job did: created it (or found it created), or found the storage unable to take it. */
export type StartOutcome = { started: true; job: string } | { started: false; storageProblem: string };

/** The policy controller's part, read from caches it shares with that controller. */
export interface PreUpgradeSnapshotSource {
  /** The informers behind the caches: the plan controller starts them (one watch each, shared). */
  readonly informers: ManagedInformer[];
  /** Calls `wake(plan)` when something observe() reads changed; `undefined`: it may concern any plan. */
  onChange(wake: (plan: string | undefined) => void): void;
  /** From the caches; a run with S3 copies to verify also asks the bucket. */
  observe(request: PreUpgradeRequest): Promise<PreUpgradeObservation>;
  /** Creates the attempt's Job on `node` after checking the policy's storage can take it. */
  start(request: PreUpgradeRequest, node: string): Promise<StartOutcome>;
}
