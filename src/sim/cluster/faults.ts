/** Fault knobs of the simulated cluster: global or per node, changeable while it runs. */

export interface NodeFaults {
  /** After its next restart the node stays NotReady. */
  neverReady: boolean;
  /** Node actions exit 1; a string is the error message to report. */
  jobFails: boolean | string;
  /** The etcd mirror pod is NotReady (etcd's :2381/health failing). */
  etcdUnhealthy: boolean;
  /** Pods take their grace period to terminate. */
  slowDrain: boolean;
  /** `etcd-snapshot save` fails. */
  snapshotFails: boolean;
  /** The S3 endpoint cannot be reached. */
  s3Unavailable: boolean;
  /**
   * Snapshots saved while set are corrupt on disk: RKE2 records them as usual (ready, with a size),
   * and only a restore fails (etcdutl's SHA-256 check), as in etcd #18340 and rke2 #6281.
   */
  corruptSnapshots: boolean;
  /**
   * The snapshot file on the node is damaged right after RKE2 wrote, recorded (and uploaded) it,
   * before the node-agent hashes it: `truncated` cuts off its second half, `altered` changes one
   * byte in the middle (same size). The records and the S3 copy keep the bytes RKE2 saved.
   */
  snapshotCorrupt: false | "truncated" | "altered";
  /**
   * The upgrade Job exits 0 without restarting rke2, as rancher/rke2-upgrade's upgrade.sh does
   * when the binary on the node already matches ("Binary already been replaced"): the running
   * rke2, and so the kubelet's version, stay what they were.
   */
  upgradeWithoutRestart: boolean;
}

export const NO_FAULTS: NodeFaults = {
  neverReady: false,
  jobFails: false,
  etcdUnhealthy: false,
  slowDrain: false,
  snapshotFails: false,
  s3Unavailable: false,
  corruptSnapshots: false,
  snapshotCorrupt: false,
  upgradeWithoutRestart: false,
};

/** A node's knobs win over the global ones; unset knobs fall through. */
export function effectiveFaults(global: Partial<NodeFaults>, node: Partial<NodeFaults> | undefined): NodeFaults {
  return { ...NO_FAULTS, ...global, ...node };
}

export class FaultBook {
  private global: Partial<NodeFaults> = {};
  private readonly perNode = new Map<string, Partial<NodeFaults>>();
  private readonly listeners: ((node: string | undefined) => void)[] = [];

  /** Sets knobs for one node, or for every node when `node` is undefined. */
  set(faults: Partial<NodeFaults>, node?: string): void {
    if (node === undefined) this.global = { ...this.global, ...faults };
    else this.perNode.set(node, { ...this.perNode.get(node), ...faults });
    for (const listener of this.listeners) listener(node);
  }

  clear(node?: string): void {
    if (node === undefined) {
      this.global = {};
      this.perNode.clear();
    } else {
      this.perNode.delete(node);
    }
    for (const listener of this.listeners) listener(node);
  }

  of(node: string): NodeFaults {
    return effectiveFaults(this.global, this.perNode.get(node));
  }

  /** Told which node's knobs changed (undefined: possibly all), so readiness can follow at once. */
  onChange(listener: (node: string | undefined) => void): void {
    this.listeners.push(listener);
  }
}
