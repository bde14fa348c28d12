import type { Controller } from "./controller.ts";

/** What a manager needs of an informer (any object type). */
export interface ManagedInformer {
  readonly synced: Promise<void>;
  hasSynced(): boolean;
  start(): void;
  stop(): Promise<void>;
}

/** One controller with the informers that feed its queue and its caches. */
export interface ControllerModule {
  name: string;
  informers: ManagedInformer[];
  controller: Controller;
}
