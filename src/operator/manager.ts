import type { Logger } from "../observability/logger.ts";
import type { ControllerModule, ManagedInformer } from "../runtime/controller-module.ts";

/**
 * Runs a set of controller modules: starts every informer, starts each controller only once its
 * informers have synced (so reconciles never see a half-filled cache), and on stop stops taking
 * work, lets in-flight reconciles finish, then stops the informers.
 */
export class ControllerManager {
  private readonly modules: readonly ControllerModule[];
  /** Informers that feed no controller (e.g. metrics), started and stopped with the rest. */
  private readonly extraInformers: readonly ManagedInformer[];
  private readonly log: Logger;
  private readonly started = new Set<string>();
  private stopping = false;

  constructor(modules: readonly ControllerModule[], log: Logger, extraInformers: readonly ManagedInformer[] = []) {
    this.modules = modules;
    this.extraInformers = extraInformers;
    this.log = log;
  }

  /** Caches synced and every controller running. */
  isReady(): boolean {
    return !this.stopping && this.started.size === this.modules.length;
  }

  /** Names of controllers still waiting for their caches. */
  waitingFor(): string[] {
    return this.modules.filter((m) => !this.started.has(m.name)).map((m) => m.name);
  }

  async start(): Promise<void> {
    for (const informer of this.uniqueInformers()) informer.start();
    await Promise.all(
      this.modules.map(async (module) => {
        await Promise.all(module.informers.map((informer) => informer.synced));
        if (this.stopping) return;
        module.controller.start();
        this.started.add(module.name);
        this.log.info({ controller: module.name }, "caches synced; controller started");
      }),
    );
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.modules.filter((m) => this.started.has(m.name)).map((m) => m.controller.stop({ drain: true })));
    await Promise.all(this.uniqueInformers().map((informer) => informer.stop()));
    this.started.clear();
  }

  /** Modules may share an informer (one watch per kind); start and stop each once. */
  private uniqueInformers(): ManagedInformer[] {
    return [...new Set([...this.modules.flatMap((m) => m.informers), ...this.extraInformers])];
  }
}
