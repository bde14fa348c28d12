/**
 * An informer for a kind the API server may not serve: a CRD that another product installs (RKE2's
 * `etcdsnapshotfiles.k3s.cattle.io` exists only on releases that have it). A plain informer would
 * retry its list forever on a 404 and never sync, so whoever waits for it waits forever.
 *
 * This one lists once first. 404: the kind is `absent`, said once in the log, `synced` resolves
 * (callers read `served()` and fall back), and the list is tried again every `recheckMs`, so a
 * CRD installed later (an RKE2 upgrade) is picked up. Served: the inner informer starts and
 * `synced` resolves once it has synced. Other errors (a 500, a reset connection) say nothing about
 * the kind: they are retried with the informers' backoff, not the recheck interval, or one failed
 * list at start-up would keep the controllers waiting for minutes.
 */
import { Backoff, WATCH_RESTART_BACKOFF } from "./backoff.ts";
import type { Logger } from "./logger.ts";
import type { Clock } from "./clock.ts";
import type { Informer } from "./informer.ts";
import { isNotFound } from "./kube/errors.ts";
import type { KubePort } from "./kube/port.ts";
import type { KubeObject, ResourceType } from "./kube/types.ts";
import type { ReadonlyStore } from "./store.ts";

export type Availability = "probing" | "served" | "absent";

export interface OptionalInformerOptions<T extends KubeObject> {
  inner: Informer<T>;
  port: KubePort;
  type: ResourceType;
  clock: Clock;
  logger: Logger;
  /** How often to look again while the kind is absent (or the list fails). */
  recheckMs: number;
  /** Called when the availability changes (absent, or served and synced). */
  onChange?: (availability: Availability) => void;
}

export class OptionalInformer<T extends KubeObject> {
  readonly synced: Promise<void>;
  private readonly options: OptionalInformerOptions<T>;
  private readonly abort = new AbortController();
  private availability: Availability = "probing";
  private markSynced: () => void = () => undefined;
  private loop: Promise<void> | undefined;
  private innerStarted = false;
  private readonly backoff: Backoff;

  constructor(options: OptionalInformerOptions<T>) {
    this.options = options;
    this.backoff = new Backoff(options.clock, WATCH_RESTART_BACKOFF);
    this.synced = new Promise((resolve) => {
      this.markSynced = resolve;
    });
  }

  get cache(): ReadonlyStore<T> {
    return this.options.inner.cache;
  }

  /** Undefined until the first answer; then whether the kind is served and its cache synced. */
  served(): boolean | undefined {
    if (this.availability === "probing") return undefined;
    return this.availability === "served";
  }

  hasSynced(): boolean {
    return this.availability !== "probing";
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    if (this.innerStarted) await this.options.inner.stop();
  }

  private change(availability: Availability): void {
    if (this.availability === availability) return;
    this.availability = availability;
    this.markSynced();
    this.options.onChange?.(availability);
  }

  private async run(): Promise<void> {
    const { port, type, clock, logger, inner, recheckMs } = this.options;
    const log = logger.child({ informer: type.plural });
    while (!this.abort.signal.aborted) {
      let delayMs = recheckMs;
      try {
        await port.list<T>(type);
        this.innerStarted = true;
        inner.start();
        const aborted = new Promise<void>((resolve) => {
          this.abort.signal.addEventListener(
            "abort",
            () => {
              resolve();
            },
            { once: true },
          );
        });
        await Promise.race([inner.synced, aborted]);
        if (inner.hasSynced()) this.change("served");
        return;
      } catch (err) {
        if (isNotFound(err)) {
          if (this.availability !== "absent") {
            const every = `${Math.round(recheckMs / 1000)}s`;
            log.warn(`${type.plural}.${groupOf(type)} is not served by this API server; looking again every ${every}`);
          }
          this.change("absent");
          this.backoff.reset();
        } else {
          delayMs = this.backoff.next();
          log.warn({ err, delayMs }, "cannot list; retrying after backoff");
        }
      }
      await clock.sleep(delayMs, this.abort.signal);
    }
  }
}

function groupOf(type: ResourceType): string {
  const slash = type.apiVersion.indexOf("/");
  return slash < 0 ? "core" : type.apiVersion.slice(0, slash);
}
