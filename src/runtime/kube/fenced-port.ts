/**
 * Fencing of writes: a replica that is not (or may no longer be) the leader must not change the
 * cluster. The fence is asked synchronously at the moment a write leaves, so a process that was
 * frozen (SIGSTOP, a GC pause, a suspended VM) and wakes up past its renew deadline is refused on
 * its first write, before any timer of its leader elector has had a chance to run
 * (docs/decisions/fencing.md).
 */
import { KubeError } from "./errors.ts";
import type { KubePort } from "./port.ts";

/** Answers whether writes may leave now. */
export interface WriteFence {
  /** Why writes are refused at this instant; undefined while they are allowed. */
  refusal(): string | undefined;
}

/** The refusal of a write by the fence; Retriable, so a controller that gets it backs off. */
export class FencedError extends KubeError {
  constructor(verb: string, reason: string) {
    super("Retriable", `${verb} refused: ${reason}`, { code: 0, reason: "Fenced" });
    this.name = "FencedError";
  }
}

/**
 * The writes that passed the fence and have no answer yet. A write the fence let through may still
 * reach the API server after the fence closed (the process was frozen between the check and the
 * socket, docs/decisions/fencing.md); this makes each such write visible: those answered after the
 * fence closed are reported one by one, and those never answered are listed when leadership ends.
 */
export class WritesInFlight {
  private readonly open = new Set<{ write: string }>();
  private readonly fence: WriteFence;
  private readonly onAnsweredAfterClose: (write: string, code: number) => void;

  constructor(fence: WriteFence, onAnsweredAfterClose: (write: string, code: number) => void) {
    this.fence = fence;
    this.onAnsweredAfterClose = onAnsweredAfterClose;
  }

  /** Records a write ("PATCH /path") leaving now; call the result with its status code (0: none came). */
  admit(write: string): (code: number) => void {
    const entry = { write };
    this.open.add(entry);
    return (code) => {
      if (!this.open.delete(entry)) return;
      if (this.fence.refusal() !== undefined) this.onAnsweredAfterClose(write, code);
    };
  }

  /** The writes sent and not answered yet, oldest first. */
  unanswered(): string[] {
    return [...this.open].map((entry) => entry.write);
  }
}

/** Throws a FencedError when the fence refuses writes now. */
export function checkFence(fence: WriteFence | undefined, verb: string): void {
  const reason = fence?.refusal();
  if (reason !== undefined) throw new FencedError(verb, reason);
}

/**
 * The port with every mutating call (create, replace, apply, patch, delete, eviction) checked
 * against the fence first; reads and watches pass. A refused call rejects without a request.
 */
export function fencedPort(port: KubePort, fence: WriteFence): KubePort {
  const guarded = <R>(verb: string, call: () => Promise<R>): Promise<R> => {
    const reason = fence.refusal();
    return reason === undefined ? call() : Promise.reject(new FencedError(verb, reason));
  };
  return {
    get: (type, name, namespace) => port.get(type, name, namespace),
    list: (type, options) => port.list(type, options),
    watch: (type, options, onEvent) => port.watch(type, options, onEvent),
    create: (type, object) => guarded("create", () => port.create(type, object)),
    replace: (type, object) => guarded("replace", () => port.replace(type, object)),
    apply: (type, object, options) => guarded("apply", () => port.apply(type, object, options)),
    mergePatch: (type, name, patch, namespace) => guarded("patch", () => port.mergePatch(type, name, patch, namespace)),
    patchStatus: (type, name, status, namespace, options) =>
      guarded("patchStatus", () => port.patchStatus(type, name, status, namespace, options)),
    delete: (type, name, namespace, options) => guarded("delete", () => port.delete(type, name, namespace, options)),
    evict: (podName, namespace, options) => guarded("evict", () => port.evict(podName, namespace, options)),
  };
}
