/**
 * Per-node observations remembered between rounds (issue 15): a round re-derives only the nodes
 * whose inputs changed, instead of parsing every node's claim, hashing the target and reading the
 * conditions, mirror pods and Jobs of every node again. A node's observation is a function of its
 * Node (compared by resourceVersion, which the API server changes on every write), its mirror pods
 * and the owner's Jobs on it with their failure messages (whose changes the informers' handlers
 * report with `touch`, engine.ts), and the owner's target, completion label and node selector (a
 * change of those starts the owner's memo over). What the owner passes each round for single
 * nodes (`excludedNodes`, `isSatisfied`) is evaluated every round. observeNode itself stays pure.
 */
import { targetHash } from "./claim.ts";
import type { NodeObject } from "./kube-objects.ts";
import { observeNode, type NodeLookups, type NodeRequest } from "./observe.ts";
import type { ObservedNode } from "./types.ts";

interface Entry {
  nodeVersion: string;
  /** The node's touch count when observed. */
  touched: number;
  /** Observed without `excludedNodes` and `isSatisfied`. */
  base: ObservedNode;
  /** `base` with the round's `selected` and `satisfied` (reused while they stay the same). */
  last: ObservedNode;
}

interface OwnerMemo {
  fingerprint: string;
  entries: Map<string, Entry>;
}

function fingerprintOf(request: NodeRequest): string {
  return JSON.stringify([request.target, request.completionLabel, request.nodeSelector ?? null]);
}

export class NodeObservations {
  private readonly owners = new Map<string, OwnerMemo>();
  private readonly touches = new Map<string, number>();
  private touchCount = 0;
  /** Nodes observed afresh since this memo was made (what a round costs; tests read it). */
  misses = 0;

  /** Something a node's observation reads besides the Node changed: a mirror pod, a Job, a failure message. */
  touch(node: string): void {
    this.touches.set(node, ++this.touchCount);
  }

  /** Every node as observeNode would see it, re-deriving only nodes whose inputs changed. */
  observe(owner: string, nodes: readonly NodeObject[], request: NodeRequest, lookups: NodeLookups): ObservedNode[] {
    const fingerprint = fingerprintOf(request);
    let memo = this.owners.get(owner);
    if (memo?.fingerprint !== fingerprint) {
      memo = { fingerprint, entries: new Map() };
      this.owners.set(owner, memo);
    }
    const entries = memo.entries;
    const hash = targetHash(request.target);
    const unscoped: NodeRequest = {
      target: request.target,
      completionLabel: request.completionLabel,
      nodeSelector: request.nodeSelector,
    };
    const observed = nodes.map((node) => {
      const name = node.metadata.name;
      const nodeVersion = node.metadata.resourceVersion ?? "";
      const touched = this.touches.get(name) ?? 0;
      let entry = entries.get(name);
      if (entry === undefined || nodeVersion === "" || entry.nodeVersion !== nodeVersion || entry.touched !== touched) {
        this.misses++;
        const base = observeNode(node, unscoped, lookups);
        entry = { nodeVersion, touched, base, last: base };
        entries.set(name, entry);
      }
      const selected = entry.base.selected && !request.excludedNodes?.has(name);
      const satisfied = entry.base.doneHash !== hash && (request.isSatisfied?.(node) ?? false);
      if (entry.last.selected !== selected || entry.last.satisfied !== satisfied) {
        entry.last = { ...entry.base, selected, satisfied };
      }
      return entry.last;
    });
    if (entries.size > nodes.length) {
      const present = new Set(nodes.map((node) => node.metadata.name));
      for (const name of entries.keys()) if (!present.has(name)) entries.delete(name);
    }
    return observed;
  }

  /** Drops what an owner that was deleted left. */
  forget(owner: string): void {
    this.owners.delete(owner);
  }
}
