import { describe, expect, it } from "@jest/globals";
import { WATCH_RESTART_BACKOFF } from "../../../src/runtime/backoff.ts";
import { FakeClock, flushMicrotasks } from "../../../src/runtime/clock.ts";
import { Informer } from "../../../src/runtime/informer.ts";
import { KubeError } from "../../../src/runtime/kube/errors.ts";
import type { KubeObject, ResourceType } from "../../../src/runtime/kube/types.ts";
import { OptionalInformer, type Availability } from "../../../src/runtime/optional-informer.ts";
import { silentLogger } from "../../../src/observability/logger.ts";
import { MemoryKubePort } from "../../support/memory-port.ts";

const FILES: ResourceType = {
  apiVersion: "k3s.cattle.io/v1",
  kind: "ETCDSnapshotFile",
  plural: "etcdsnapshotfiles",
  namespaced: false,
};
const notServed = (): KubeError =>
  new KubeError("NotFound", "the server could not find the requested resource", { code: 404 });

function setup() {
  const clock = new FakeClock();
  const port = new MemoryKubePort({ clock });
  const changes: Availability[] = [];
  const inner = new Informer<KubeObject>({ port, type: FILES, clock, logger: silentLogger() });
  const optional = new OptionalInformer({
    inner,
    port,
    type: FILES,
    clock,
    logger: silentLogger(),
    recheckMs: 300_000,
    onChange: (a) => changes.push(a),
  });
  return { clock, port, optional, changes };
}

describe("OptionalInformer", () => {
  it("counts as synced when the kind is not served, and picks it up once it is", async () => {
    const { clock, port, optional, changes } = setup();
    port.failNext("list", notServed());
    optional.start();
    await optional.synced;
    expect(optional.served()).toBe(false);
    expect(optional.hasSynced()).toBe(true);
    expect(changes).toEqual(["absent"]);

    await port.create(FILES, { apiVersion: FILES.apiVersion, kind: FILES.kind, metadata: { name: "snap-1" } });
    await clock.advance(300_000);
    await flushMicrotasks();
    expect(optional.served()).toBe(true);
    expect(optional.cache.keys()).toEqual(["snap-1"]);
    expect(changes).toEqual(["absent", "served"]);
    await optional.stop();
  });

  it("waits for the inner informer when served, and retries other errors after a short backoff", async () => {
    const { clock, port, optional, changes } = setup();
    port.failNext("list", new KubeError("Retriable", "apiserver down", { code: 503 }));
    optional.start();
    await flushMicrotasks();
    expect(optional.served()).toBeUndefined();
    expect(optional.hasSynced()).toBe(false);
    // The first retry comes within the informers' first backoff step (800 ms, up to twice that with
    // jitter), not after the 5-minute recheck meant for a kind that is not served.
    await clock.advance(2 * WATCH_RESTART_BACKOFF.initialMs);
    await flushMicrotasks();
    expect(optional.served()).toBe(true);
    await optional.synced;
    expect(optional.served()).toBe(true);
    expect(changes).toEqual(["served"]);
    await optional.stop();
  });
});
